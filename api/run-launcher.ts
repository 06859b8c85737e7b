import { isGrpcServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ExportSettings, RunTrigger } from '../domain/export';
import { exportWorkflowId } from '../domain/ids';
import type { Db } from '../store/db';
import { findRunningRun } from '../store/run-queries';
import { exportRun, progressQuery, type ExportRunInput, type RunProgress } from '../workflows/export-run';
import { RunAlreadyGoingError, type RunLauncher, type StartedRun } from './ports';

/** gRPC FAILED_PRECONDITION: what the server answers when the named run is not the one going. */
const FAILED_PRECONDITION = 9;

export interface RunLauncherOptions {
  client: Client;
  db: Db;
  /** The main task queue (workflows). */
  taskQueue: string;
  /** The queue of the rate-limited Autopilot workers, when not the workflow's default. */
  autopilotTaskQueue?: string;
  /** How long a progress query may take before the API answers without it. */
  queryTimeoutMs?: number;
}

/**
 * Starts, watches and cancels export runs on Temporal. One workflow id per export with
 * `workflowIdConflictPolicy: 'FAIL'`: Temporal itself refuses a second concurrent run, whether
 * the first came from a person or a schedule.
 */
export function createRunLauncher(options: RunLauncherOptions): RunLauncher {
  const { client, db } = options;

  /** The run that holds the export's workflow id: our record first, Temporal's otherwise. */
  async function runningRunId(exportId: string, workflowId: string): Promise<string | undefined> {
    const recorded = await findRunningRun(db, exportId);
    if (recorded) return recorded.id;
    const description = await client.workflow.getHandle(workflowId).describe().catch(() => undefined);
    if (description?.status.name !== 'RUNNING') return undefined;
    return description.raw.workflowExecutionInfo?.firstRunId || description.runId;
  }

  return {
    async start(settings: ExportSettings, trigger: RunTrigger): Promise<StartedRun> {
      const workflowId = exportWorkflowId(settings.exportId);
      const input: ExportRunInput = { settings, trigger };
      if (options.autopilotTaskQueue) input.options = { autopilotTaskQueue: options.autopilotTaskQueue };
      try {
        const handle = await client.workflow.start(exportRun, {
          taskQueue: options.taskQueue,
          workflowId,
          workflowIdConflictPolicy: 'FAIL',
          args: [input],
        });
        return { runId: handle.firstExecutionRunId, workflowId };
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          throw new RunAlreadyGoingError(await runningRunId(settings.exportId, workflowId));
        }
        throw err;
      }
    },

    async progress(workflowId: string): Promise<RunProgress | undefined> {
      const deadline = Date.now() + (options.queryTimeoutMs ?? 2_000);
      try {
        // A query needs a live worker; without one it would wait, so the page is served without it.
        return await client.connection.withDeadline(deadline, () => client.workflow.getHandle(workflowId).query(progressQuery));
      } catch {
        return undefined;
      }
    },

    async cancel(workflowId: string, runId?: string): Promise<boolean> {
      // With firstExecutionRunId, the server cancels only if that run's chain is the one going.
      const handle = client.workflow.getHandle(workflowId, undefined, runId ? { firstExecutionRunId: runId } : undefined);
      try {
        await handle.cancel();
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        const cause = (err as { cause?: unknown }).cause;
        if (isGrpcServiceError(cause) && cause.code === FAILED_PRECONDITION) return false;
        throw err;
      }
    },
  };
}
