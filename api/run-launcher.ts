import {
  isGrpcServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type UpdateDefinition,
} from '@temporalio/client';
import type { ProfileSourceKind, RunTrigger } from '../domain/export';
import { exportWorkflowId } from '../domain/ids';
import type { Db } from '../store/db';
import { findRunByWorkflowRun, findRunningRun } from '../store/run-queries';
import { runSearchAttributes, runStaticDetails, runSummary, type RunLabels } from '../domain/run-labels';
import { refusedSearchAttribute, type SearchAttributeGuard } from '../temporal/search-attributes';
import { approveRemovalsUpdate, pauseUpdate, progressQuery, resumeUpdate, runExport, type RunExportInput, type RunProgress } from '../workflows';
import { RunAlreadyGoingError, RunNotSteerableError, RunWorkersUnavailableError, type RunEnding, type RunLauncher, type RunToStart, type StartedRun } from './ports';
import { startReconciledAlert } from './reconciled-alert';

/** gRPC FAILED_PRECONDITION: what the server answers when the named run is not the one going. */
const FAILED_PRECONDITION = 9;
/** HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT: only the event that closed a run. */
const CLOSE_EVENT_ONLY = 2;
/** gRPC DEADLINE_EXCEEDED. */
const DEADLINE_EXCEEDED = 4;
/** How long a pause or resume may wait for the run's workers to take it. */
const STEER_TIMEOUT_MS = 15_000;
/**
 * How long a start waits for the export's previous workflow to close once its run is recorded as
 * ended: the record is closed by the workflow's last step, a moment before the workflow itself.
 */
const CLOSING_WAIT_MS = 5_000;
/** Any other call to Temporal: while the server is down, the API answers 503 after this, never hangs. */
const CALL_TIMEOUT_MS = 5_000;
/** A reason typed by an operator is shown, not stored at any length. */
const MAX_REASON = 200;

/** The server's answer when the named run is not the one going. */
function isNotRunning(err: unknown): boolean {
  const cause = (err as { cause?: unknown }).cause ?? err;
  return isGrpcServiceError(cause) && cause.code === FAILED_PRECONDITION;
}

/** Temporal no longer knows the run: its history is past the namespace's retention. */
const GONE: RunEnding = { status: 'failed', reason: 'The run never closed and its workflow is no longer in Temporal (past its retention)' };
/** A run recorded by its starter whose workflow never took it up: its start was not confirmed, or it ended before its first step. */
const NEVER_BEGAN: RunEnding = { status: 'failed', reason: 'Its workflow never began (the start was not confirmed, or it was stopped before its first step)' };

export interface RunLauncherOptions {
  client: Client;
  db: Db;
  /** The main task queue (workflows). */
  taskQueue: string;
  /** How long a progress query may take before the API answers without it. */
  queryTimeoutMs?: number;
  /** Where this deployment reads profiles (PROFILE_SOURCE): frozen into each run's settings. */
  source?: ProfileSourceKind;
  /** Makes sure the namespace has the runs' search attributes before a start; none in tests that prepare the server. */
  searchAttributes?: SearchAttributeGuard;
}

/**
 * Starts, watches and cancels export runs on Temporal. One workflow id per export with
 * `workflowIdConflictPolicy: 'FAIL'`: Temporal itself refuses a second concurrent run, whether
 * the first came from a person or a schedule.
 */
export function createRunLauncher(options: RunLauncherOptions): RunLauncher {
  const { client, db } = options;
  const withinDeadline = <T>(call: () => Promise<T>, timeoutMs = CALL_TIMEOUT_MS): Promise<T> => client.connection.withDeadline(Date.now() + timeoutMs, call);
  /** Reads that only refresh what the API shows (progress, how a run ended) wait less: the page is served without them. */
  const readTimeoutMs = options.queryTimeoutMs ?? 2_000;

  /** The run that holds the export's workflow id, other than the one being started: our record first, Temporal's otherwise. */
  async function runningRunId(exportId: string, workflowId: string, starting: string): Promise<string | undefined> {
    const recorded = await findRunningRun(db, exportId, starting);
    if (recorded) return recorded.id;
    const description = await withinDeadline(() => client.workflow.getHandle(workflowId).describe()).catch(() => undefined);
    if (description?.status.name !== 'RUNNING') return undefined;
    return (await findRunByWorkflowRun(db, description.raw.workflowExecutionInfo?.firstRunId || description.runId))?.id;
  }

  /**
   * Sends a steering update to the run going under the workflow id (whatever execution of its
   * chain is current). The workflow's refusal, or a run that is not going, is a {@link RunNotSteerableError}.
   */
  async function steer<R>(workflowId: string, workflowRunId: string | undefined, update: () => UpdateDefinition<R, [{ by: string }]>, by: string): Promise<R> {
    const handle = client.workflow.getHandle(workflowId, undefined, workflowRunId ? { firstExecutionRunId: workflowRunId } : undefined);
    try {
      // An update needs a live worker to accept it: without one, say so rather than wait forever.
      return await client.connection.withDeadline(Date.now() + STEER_TIMEOUT_MS, () => handle.executeUpdate(update(), { args: [{ by }] }));
    } catch (err) {
      if (isGrpcServiceError((err as { cause?: unknown }).cause ?? err) && ((err as { cause?: { code?: number } }).cause ?? (err as { code?: number })).code === DEADLINE_EXCEEDED) {
        throw new RunWorkersUnavailableError();
      }
      if (err instanceof WorkflowUpdateFailedError) throw new RunNotSteerableError((err.cause as Error | undefined)?.message ?? err.message);
      if (err instanceof WorkflowNotFoundError || isNotRunning(err)) throw new RunNotSteerableError('The run is not going any more');
      throw err;
    }
  }

  /**
   * Starts once the namespace has the runs' search attributes (a 503 naming them otherwise). A
   * refusal over one (removed since the check) asks again, and starts again if they are back.
   */
  async function preparedStart<T>(begin: () => Promise<T>): Promise<T> {
    const guard = options.searchAttributes;
    await guard?.require();
    try {
      return await begin();
    } catch (err) {
      const refused = refusedSearchAttribute(err);
      if (!guard || !refused) throw err;
      await guard.recheck(refused);
      return begin();
    }
  }

  /** The event that closed one execution of the chain. */
  async function closeEvent(workflowId: string, runId: string) {
    const { history } = await withinDeadline(
      () =>
        client.workflowService.getWorkflowExecutionHistory({
          namespace: client.options.namespace,
          execution: { workflowId, runId },
          historyEventFilterType: CLOSE_EVENT_ONLY,
        }),
      readTimeoutMs,
    );
    return history?.events?.[0];
  }

  /** How a closed execution ended, in the API's words; the next execution's id if it continued as new. */
  async function ending(workflowId: string, runId: string, status: string): Promise<RunEnding | { next: string }> {
    const event = await closeEvent(workflowId, runId);
    const next = event?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (status === 'CONTINUED_AS_NEW' && next) return { next };
    const said = (text: string | null | undefined) => (text ? `: ${text.slice(0, MAX_REASON)}` : '');
    switch (status) {
      case 'TERMINATED':
        return { status: 'terminated', reason: `Terminated in Temporal${said(event?.workflowExecutionTerminatedEventAttributes?.reason)}` };
      case 'TIMED_OUT':
        return { status: 'timed_out', reason: 'Timed out in Temporal (the workflow execution timeout was reached)' };
      case 'CANCELED':
        return { status: 'cancelled', reason: 'Cancelled in Temporal' };
      case 'COMPLETED':
        return { status: 'completed' };
      default:
        return { status: 'failed', reason: `The workflow failed in Temporal${said(event?.workflowExecutionFailedEventAttributes?.failure?.message)}` };
    }
  }

  return {
    raiseAlert: (input) => withinDeadline(() => startReconciledAlert(client, options.taskQueue, input)),

    async ending(workflowId: string, firstRunId: string | undefined): Promise<RunEnding | undefined> {
      const describe = (runId?: string) => withinDeadline(() => client.workflow.getHandle(workflowId, runId).describe(), readTimeoutMs);
      try {
        // The newest execution under the id: a reset or a continue-as-new keeps the first run id.
        const latest = await describe();
        if (firstRunId === undefined) return latest.status.name === 'RUNNING' ? undefined : NEVER_BEGAN;
        if ((latest.raw.workflowExecutionInfo?.firstRunId || latest.runId) === firstRunId) {
          return latest.status.name === 'RUNNING' ? undefined : await closedAs(latest.runId, latest.status.name);
        }
        // A later run of the export holds the id: follow this run's own chain to its end.
        let runId = firstRunId;
        for (;;) {
          const result = await ending(workflowId, runId, (await describe(runId)).status.name);
          if (!('next' in result)) return result;
          runId = result.next;
        }
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return firstRunId === undefined ? NEVER_BEGAN : GONE;
        throw err;
      }

      async function closedAs(runId: string, status: string): Promise<RunEnding> {
        const result = await ending(workflowId, runId, status);
        return 'next' in result ? GONE : result;
      }
    },

    async start(run: RunToStart, trigger: RunTrigger, labels: RunLabels): Promise<StartedRun> {
      const settings = run.export;
      const workflowId = exportWorkflowId(settings.exportId);
      const input: RunExportInput = { ...run, source: options.source ?? 'builtin', trigger };
      const begin = () =>
        client.workflow.start(runExport, {
          taskQueue: options.taskQueue,
          workflowId,
          workflowIdConflictPolicy: 'FAIL',
          args: [input],
          typedSearchAttributes: runSearchAttributes(settings, labels, trigger),
          staticSummary: runSummary(labels, settings.segmentIds),
          staticDetails: runStaticDetails(settings, run.runId),
        });
      const deadline = Date.now() + CLOSING_WAIT_MS;
      for (;;) {
        try {
          const handle = await preparedStart(() => withinDeadline(begin));
          return { runId: run.runId, workflowId, workflowRunId: handle.firstExecutionRunId };
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          // A run recorded as ended whose workflow is still closing (its last step): start once it has.
          const closing = !(await findRunningRun(db, settings.exportId, run.runId));
          if (!closing || Date.now() >= deadline) throw new RunAlreadyGoingError(await runningRunId(settings.exportId, workflowId, run.runId));
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    },

    async progress(workflowId: string): Promise<RunProgress | undefined> {
      try {
        // A query needs a live worker; without one it would wait, so the page is served without it.
        return await withinDeadline(() => client.workflow.getHandle(workflowId).query(progressQuery), readTimeoutMs);
      } catch {
        return undefined;
      }
    },

    async reachable(): Promise<boolean> {
      try {
        await client.connection.withDeadline(Date.now() + 2_000, () => client.workflowService.getSystemInfo({}));
        return true;
      } catch {
        return false;
      }
    },

    searchAttributes: options.searchAttributes?.state,

    pause: (workflowId, runId, by) => steer(workflowId, runId, () => pauseUpdate, by),
    resume: async (workflowId, runId, by) => void (await steer(workflowId, runId, () => resumeUpdate, by)),
    approveRemovals: async (workflowId, runId, by) => void (await steer(workflowId, runId, () => approveRemovalsUpdate, by)),

    async cancel(workflowId: string, workflowRunId?: string): Promise<boolean> {
      // With firstExecutionRunId, the server cancels only if that run's chain is the one going.
      const handle = client.workflow.getHandle(workflowId, undefined, workflowRunId ? { firstExecutionRunId: workflowRunId } : undefined);
      try {
        await withinDeadline(() => handle.cancel());
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError || isNotRunning(err)) return false;
        throw err;
      }
    },
  };
}
