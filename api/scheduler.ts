import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsAction,
  type ScheduleSpec,
} from '@temporalio/client';
import type { Schedule } from '../store/exports';
import { scheduledExport, type ScheduledExportInput } from '../workflows/scheduled-export';
import { InvalidScheduleError, type Scheduler } from './ports';

export interface SchedulerOptions {
  client: Client;
  /** The main task queue, where `scheduledExport` runs. */
  taskQueue: string;
}

export const scheduleId = (exportId: string): string => `export-schedule-${exportId}`;

/**
 * Every trigger starts `scheduledExport`, which itself skips (and records) a trigger while a run is
 * going; a schedule-level skip would be visible only inside Temporal. The SDK documents two
 * different defaults for the catch-up window: always say it.
 */
const POLICIES = { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: '1 minute' } as const;

/**
 * One Temporal Schedule per scheduled export. It starts `scheduledExport`, which reads the
 * export's settings at that moment and runs it under the export's own workflow id, so a
 * scheduled run never overlaps a manual one (SKIP alone only stops the schedule overlapping itself).
 */
export function createTemporalScheduler(options: SchedulerOptions): Scheduler {
  const { client } = options;

  function plan(exportId: string, schedule: Schedule, summary?: string) {
    const input: ScheduledExportInput = { exportId };
    const spec: ScheduleSpec = { cronExpressions: [schedule.cron], timezone: schedule.timezone };
    const action: ScheduleOptionsAction = {
      type: 'startWorkflow',
      workflowType: scheduledExport,
      taskQueue: options.taskQueue,
      args: [input],
      staticSummary: summary,
    };
    return { spec, action };
  }

  return {
    async upsert(exportId: string, schedule: Schedule, summary?: string): Promise<void> {
      const { spec, action } = plan(exportId, schedule, summary);
      try {
        await client.schedule.create({
          scheduleId: scheduleId(exportId),
          spec,
          action,
          policies: POLICIES,
        });
      } catch (err) {
        // The client reports a spec the server refused as a TypeError carrying the server's reason.
        if (err instanceof TypeError) throw new InvalidScheduleError(err.message);
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
        // update() may call this more than once: it must stay pure.
        await client.schedule.getHandle(scheduleId(exportId)).update((previous) => ({ ...previous, spec, action, policies: POLICIES }));
      }
    },

    async remove(exportId: string): Promise<void> {
      try {
        await client.schedule.getHandle(scheduleId(exportId)).delete();
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
    },
  };
}
