import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, patched, proxyActivities, startChild, uuid4, workflowInfo } from '@temporalio/workflow';
import type { StoreActivities } from '../activities';
import type { RunTrigger } from '../domain/export';
import { exportWorkflowId } from '../domain/ids';
import { runSearchAttributes, runStaticDetails, runSummary } from '../domain/run-labels';
import { raiseAlert } from './alert';
import { runExport, type RunOptions } from './run-export';

const { loadExportSettings, openScheduledRun, recordSkippedRun } = proxyActivities<StoreActivities>({
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
  const workflowId = exportWorkflowId(input.exportId);
  const runId = await openRun(input.exportId, workflowId, trigger);
  try {
    const child = await startChild(runExport, {
      workflowId,
      args: [{ ...(runId && { runId }), export: found.settings, request: {}, source: found.source, trigger, options: input.options }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: runSearchAttributes(found.settings, found.labels, trigger),
      staticSummary: runSummary(found.labels, found.settings.segmentIds),
      staticDetails: runStaticDetails(found.settings, runId),
    });
    return { started: runId ?? child.firstExecutionRunId };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const skipped = await skip(input.exportId, SkippedTrigger.RUN_GOING, found.createdBy, runId);
    await raiseAlert(found.settings, runId ?? workflowInfo().runId, 'skipped');
    return skipped;
  }
}

/**
 * Mints the run's id and opens its record before the run starts, as the API does for a manual
 * run. Schedules that fired before this release left both to the run's workflow (no id here): a
 * path kept while such a schedule's workflow may be replayed; remove the patch one retention
 * period after the release that added it (deprecatePatch first, then remove).
 */
async function openRun(exportId: string, workflowId: string, trigger: RunTrigger): Promise<string | undefined> {
  if (!patched('scheduled-run-minted')) return undefined;
  const runId = uuid4();
  await openScheduledRun({ runId, exportId, workflowId, trigger });
  return runId;
}

/** Records the trigger as a skipped run: the record it opened, or one named after this workflow. */
async function skip(exportId: string, reason: string, by?: string, runId = workflowInfo().runId): Promise<ScheduledExportResult> {
  await recordSkippedRun({ runId, exportId, workflowId: workflowInfo().workflowId, trigger: { kind: 'schedule', by }, reason });
  return { skipped: reason };
}
