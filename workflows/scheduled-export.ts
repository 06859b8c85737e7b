import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { StoreActivities } from '../activities';
import { exportWorkflowId } from '../domain/ids';
import { runSearchAttributes, runStaticDetails, runSummary } from '../domain/run-labels';
import { raiseAlert } from './alert';
import { runExport, type RunOptions } from './run-export';

const { loadExportSettings, recordSkippedRun } = proxyActivities<StoreActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

export interface ScheduledExportInput {
  exportId: string;
  options?: RunOptions;
}

export type ScheduledExportResult = { started: string } | { skipped: string };

export const SkippedTrigger = {
  INACTIVE: 'the export has no active connection',
  RUN_GOING: 'a run of this export is already going',
} as const;

/**
 * What an export's schedule starts. Schedules suffix their workflow ids with a timestamp, so a
 * schedule alone cannot stop a scheduled run overlapping a manual one; starting the run under the
 * export's own workflow id can. Reads the export's settings as they are at that moment, and the
 * workers' profile source. A trigger it skips is recorded as a run of its own (status `skipped`),
 * so the export's history shows it.
 */
export async function scheduledExport(input: ScheduledExportInput): Promise<ScheduledExportResult> {
  const found = await loadExportSettings({ exportId: input.exportId });
  if (!found) return skip(input.exportId, SkippedTrigger.INACTIVE);
  const trigger = { kind: 'schedule' as const, by: found.createdBy };
  try {
    const child = await startChild(runExport, {
      workflowId: exportWorkflowId(input.exportId),
      args: [{ export: found.settings, request: {}, source: found.source, trigger, options: input.options }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: runSearchAttributes(found.settings, found.labels, trigger),
      staticSummary: runSummary(found.labels, found.settings.segmentIds),
      staticDetails: runStaticDetails(found.settings),
    });
    return { started: child.firstExecutionRunId };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const skipped = await skip(input.exportId, SkippedTrigger.RUN_GOING, found.createdBy);
    await raiseAlert(found.settings, workflowInfo().runId, 'skipped');
    return skipped;
  }
}

async function skip(exportId: string, reason: string, by?: string): Promise<ScheduledExportResult> {
  const { runId, workflowId } = workflowInfo();
  await recordSkippedRun({ runId, exportId, workflowId, trigger: { kind: 'schedule', by }, reason });
  return { skipped: reason };
}
