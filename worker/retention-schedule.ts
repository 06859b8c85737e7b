import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsAction, type ScheduleSpec } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE } from '../domain/ids';
import { runDetailsRetention } from '../workflows/retention';

/** One schedule per deployment (task queue): `segment-export-retention` for the default one. */
export function retentionScheduleId(taskQueue: string): string {
  return taskQueue === DEFAULT_TASK_QUEUE ? 'segment-export-retention' : `segment-export-retention-${taskQueue}`;
}

/** Daily, at a quiet hour (UTC) off the full hour that other schedules favour. */
const DAILY: ScheduleSpec = { cronExpressions: ['17 3 * * *'] };

/**
 * Makes sure the daily retention schedule exists and starts runDetailsRetention on this task queue.
 * Idempotent: every worker start creates it or brings it up to date. The retention age is the
 * workers' own setting (RUN_DETAILS_RETENTION_DAYS), so the schedule carries none.
 */
export async function ensureRetentionSchedule(client: Client, taskQueue: string): Promise<string> {
  const scheduleId = retentionScheduleId(taskQueue);
  const action: ScheduleOptionsAction = { type: 'startWorkflow', workflowType: runDetailsRetention, taskQueue, workflowId: scheduleId };
  // A purge missed while the server was down still runs when it is back; never two at once.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' as const };
  try {
    await client.schedule.create({ scheduleId, spec: DAILY, action, policies });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    // update() may call this more than once: it must stay pure.
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec: DAILY, action, policies: { ...previous.policies, ...policies } }));
  }
  return scheduleId;
}
