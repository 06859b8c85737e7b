import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { exportWorkflowId } from '../domain/ids';
import { exportRun, type ExportRunOptions } from './export-run';

const { loadExportSettings } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

export interface ScheduledExportInput {
  exportId: string;
  options?: ExportRunOptions;
}

export type ScheduledExportResult = { started: string } | { skipped: string };

/**
 * What an export's schedule starts. Schedules suffix their workflow ids with a timestamp, so a
 * schedule alone cannot stop a scheduled run overlapping a manual one; starting the run under the
 * export's own workflow id can. Reads the export's settings as they are at that moment.
 */
export async function scheduledExport(input: ScheduledExportInput): Promise<ScheduledExportResult> {
  const found = await loadExportSettings({ exportId: input.exportId });
  if (!found) return { skipped: 'the export has no active connection' };
  try {
    const child = await startChild(exportRun, {
      workflowId: exportWorkflowId(input.exportId),
      args: [{ settings: found.settings, trigger: { kind: 'schedule', by: found.createdBy }, options: input.options }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    return { started: child.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { skipped: 'a run of this export is already going' };
    throw err;
  }
}
