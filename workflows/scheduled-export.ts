import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, patched, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { StoreActivities } from '../activities';
import { exportWorkflowId } from '../domain/ids';
import { runSearchAttributes, runStaticDetails, runSummary } from '../domain/run-labels';
import { raiseAlert } from './alert';
import { exportRun, type ExportRunOptions } from './export-run';

const { loadExportSettings, recordSkippedRun } = proxyActivities<StoreActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

export interface ScheduledExportInput {
  exportId: string;
  options?: ExportRunOptions;
}

export type ScheduledExportResult = { started: string } | { skipped: string };

export const SkippedTrigger = {
  INACTIVE: 'the export has no active connection',
  RUN_GOING: 'a run of this export is already going',
} as const;

/**
 * What an export's schedule starts. Schedules suffix their workflow ids with a timestamp, so a
 * schedule alone cannot stop a scheduled run overlapping a manual one; starting the run under the
 * export's own workflow id can. Reads the export's settings as they are at that moment. A trigger
 * it skips is recorded as a run of its own (status `skipped`), so the export's history shows it.
 */
export async function scheduledExport(input: ScheduledExportInput): Promise<ScheduledExportResult> {
  const found = await loadExportSettings({ exportId: input.exportId });
  if (!found) return skip(input.exportId, SkippedTrigger.INACTIVE);
  try {
    const trigger = { kind: 'schedule' as const, by: found.createdBy };
    // Settings loaded before run labels existed carry none: the run then starts without them.
    const labelled = found.labels && {
      typedSearchAttributes: runSearchAttributes(found.settings, found.labels, trigger),
      staticSummary: runSummary(found.labels, found.settings.segmentIds),
      staticDetails: runStaticDetails(found.settings),
    };
    const child = await startChild(exportRun, {
      workflowId: exportWorkflowId(input.exportId),
      args: [{ settings: found.settings, trigger, options: input.options }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      ...labelled,
    });
    return { started: child.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const skipped = await skip(input.exportId, SkippedTrigger.RUN_GOING, found.createdBy);
      await raiseAlert(found.settings, workflowInfo().runId, 'skipped');
      return skipped;
    }
    throw err;
  }
}

async function skip(exportId: string, reason: string, by?: string): Promise<ScheduledExportResult> {
  // Triggers skipped before this patch were visible only in Temporal.
  if (patched('record-skipped-triggers')) {
    const { runId, workflowId } = workflowInfo();
    await recordSkippedRun({ runId, exportId, workflowId, trigger: { kind: 'schedule', by }, reason });
  }
  return { skipped: reason };
}
