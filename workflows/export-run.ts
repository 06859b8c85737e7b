import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  defineQuery,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
// Only the types: the activities themselves run outside the sandbox.
import type { Activities, BatchResult } from '../activities';
import type { ExportSettings, RunCounts, RunTrigger } from '../domain/export';
import { ErrorType } from '../domain/errors';
import { DEFAULT_AUTOPILOT_TASK_QUEUE } from '../domain/ids';

export interface ExportRunOptions {
  /** Batches in flight at once. The task queue's rate limit, not this, bounds requests per second. */
  concurrency?: number;
  /** Continue-as-new after this many batches (or earlier when the server suggests it). */
  batchesPerExecution?: number;
  /** At most this many batches per activity, sent one after the other: fewer round trips through Temporal per contact. */
  batchesPerActivity?: number;
  /** The queue whose workers call Autopilot under the rate limit. */
  autopilotTaskQueue?: string;
  /** While Autopilot rejects the key mid-run, how often to check it again. */
  keyRecheckMs?: number;
  /** How long a run waits for someone to rotate a rejected key before it fails. */
  blockedTimeoutMs?: number;
}

export interface ExportRunInput {
  settings: ExportSettings;
  trigger: RunTrigger;
  options?: ExportRunOptions;
  /** Set only by continue-as-new: where the previous execution stopped. */
  resume?: RunState;
}

export interface RunState {
  runId: string;
  totalProfiles: number;
  batches: number;
  lists: Record<string, string>;
  /** Every batch below this one is done. */
  nextBatch: number;
  /** Batch-level tallies for progress; the final counts come from the store. */
  exportedItems: number;
  rejectedItems: number;
}

export const BLOCKED_ON_KEY = 'blocked: Autopilot rejected the API key';
export type RunPhase = 'validating' | 'planning' | 'preparing lists' | 'exporting' | typeof BLOCKED_ON_KEY | 'finishing';

export interface RunProgress {
  phase: RunPhase;
  totalProfiles?: number;
  batches?: number;
  batchesDone: number;
  exportedItems: number;
  rejectedItems: number;
}

export interface ExportRunResult {
  runId: string;
  counts: RunCounts;
}

export const progressQuery = defineQuery<RunProgress>('progress');

const DEFAULTS = {
  concurrency: 4,
  batchesPerExecution: 2_000,
  batchesPerActivity: 20,
  keyRecheckMs: 60_000,
  blockedTimeoutMs: 24 * 3600_000,
};

const control = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  scheduleToCloseTimeout: '30 minutes',
});

/**
 * One run of an export: validate the connection, freeze the segments' membership, then send
 * it in batches, continuing as new before history grows large. Carries ids and counts only.
 */
export async function exportRun(input: ExportRunInput): Promise<ExportRunResult> {
  const { settings } = input;
  const options = { ...DEFAULTS, ...input.options };
  const runId = input.resume?.runId ?? workflowInfo().firstExecutionRunId;
  let state = input.resume;
  let phase: RunPhase = state ? 'exporting' : 'validating';
  /** Batches handed to activities that have not finished yet: the progress counts only finished ones. */
  let batchesInFlight = 0;
  setHandler(progressQuery, () => ({
    phase,
    totalProfiles: state?.totalProfiles,
    batches: state?.batches,
    batchesDone: (state?.nextBatch ?? 0) - batchesInFlight,
    exportedItems: state?.exportedItems ?? 0,
    rejectedItems: state?.rejectedItems ?? 0,
  }));

  const autopilot = proxyActivities<Activities>({
    taskQueue: options.autopilotTaskQueue ?? DEFAULT_AUTOPILOT_TASK_QUEUE,
    // A killed worker stops heartbeating: its batches are retried after 5 s, however long they may take.
    heartbeatTimeout: '5 seconds',
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
    scheduleToCloseTimeout: '1 hour',
    // A cancelled run closes only once its batches in flight have stopped, so its counts are final
    // and nothing reaches Autopilot afterwards. Runs started before this patch did not wait.
    cancellationType: patched('wait-for-cancelled-batches')
      ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
      : ActivityCancellationType.TRY_CANCEL,
  });
  const inFlight = new Set<Promise<void>>();

  try {
    if (!state) {
      await control.startRun({ runId, exportId: settings.exportId, workflowId: workflowInfo().workflowId, trigger: input.trigger });
      await autopilot.validateConnection({ connectionId: settings.connectionId });
      phase = 'planning';
      const plan = await control.planRun({ runId, settings });
      phase = 'preparing lists';
      const lists = await autopilot.ensureLists({ connectionId: settings.connectionId, segmentIds: settings.segmentIds });
      state = { runId, ...plan, lists, nextBatch: 0, exportedItems: 0, rejectedItems: 0 };
    }
    phase = 'exporting';
    const s = state;
    let keyCheck: Promise<void> | undefined;
    /** A key revoked mid-run blocks the run, visibly, until the key works again (rotated) or time runs out. */
    const untilKeyWorks = () =>
      (keyCheck ??= (async () => {
        phase = BLOCKED_ON_KEY;
        const deadline = Date.now() + options.blockedTimeoutMs;
        for (;;) {
          await sleep(options.keyRecheckMs);
          try {
            await autopilot.validateConnection({ connectionId: settings.connectionId });
            break;
          } catch (err) {
            if (!isAuthFailure(err)) throw err;
            if (Date.now() >= deadline) {
              const hours = Math.round(options.blockedTimeoutMs / 360_000) / 10;
              throw ApplicationFailure.nonRetryable(`Autopilot rejected the API key and it was not replaced within ${hours} h`, ErrorType.AutopilotAuth);
            }
          }
        }
        phase = 'exporting';
        keyCheck = undefined;
      })());
    // Histories replay as they ran: runs started before these patches sent one batch per activity, then ten.
    const perActivity = !patched('batches-per-activity') ? 1 : patched('adaptive-batches-per-activity') ? batchesPerActivity(s.batches, options) : 10;
    const exportBatches = async (batchNo: number, batchCount: number): Promise<BatchResult> => {
      for (;;) {
        try {
          return await autopilot.exportBatch({ runId, connectionId: settings.connectionId, batchNo, batchCount, lists: s.lists });
        } catch (err) {
          if (!isAuthFailure(err)) throw err;
          await untilKeyWorks();
        }
      }
    };
    const stopAt = Math.min(s.batches, s.nextBatch + options.batchesPerExecution);
    while (s.nextBatch < stopAt && !workflowInfo().continueAsNewSuggested) {
      if (inFlight.size >= options.concurrency) {
        await Promise.race(inFlight);
        continue;
      }
      const count = Math.min(perActivity, stopAt - s.nextBatch);
      const done = exportBatches(s.nextBatch, count).then((r) => {
        batchesInFlight -= count;
        s.exportedItems += r.exported;
        s.rejectedItems += r.rejected;
      });
      s.nextBatch += count;
      batchesInFlight += count;
      inFlight.add(done);
      done.then(() => inFlight.delete(done), () => inFlight.delete(done));
    }
    // Drained before continuing as new, so "below nextBatch" always means "done".
    await Promise.all(inFlight);
    if (s.nextBatch >= s.batches) {
      phase = 'finishing';
      return { runId, counts: await control.finishRun({ runId }) };
    }
  } catch (err) {
    // Anything else is a bug in this code: let the workflow task fail and retry once fixed.
    if (!isCancellation(err) && !(err instanceof ActivityFailure) && !(err instanceof ApplicationFailure)) throw err;
    const failure = innermost(err);
    const status = isCancellation(err) ? 'cancelled' : 'failed';
    await CancellationScope.nonCancellable(async () => {
      await Promise.allSettled(inFlight);
      await control.failRun({ runId, status, reason: failure.message });
    });
    if (status === 'cancelled') throw err;
    // The run fails with the reason and type of what stopped it, not a generic activity error.
    throw ApplicationFailure.create({ message: failure.message, type: failure.type, nonRetryable: true, cause: err as Error });
  }
  return continueAsNew<typeof exportRun>({ ...input, resume: state });
}

/**
 * As many batches per activity as still gives each slot about ten activities: every activity costs a
 * round trip through Temporal, and progress (counted in finished activities) should keep moving.
 */
function batchesPerActivity(batches: number, options: { concurrency: number; batchesPerActivity: number }): number {
  return Math.max(1, Math.min(options.batchesPerActivity, Math.ceil(batches / (options.concurrency * 10))));
}

function isAuthFailure(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === ErrorType.AutopilotAuth;
}

/** The innermost failure: our messages never carry profile data or keys. */
function innermost(err: unknown): { message: string; type?: string } {
  let e = err as { message: string; type?: string; cause?: unknown };
  while (e.cause instanceof Error) e = e.cause as typeof e;
  return { message: e.message, type: e.type };
}
