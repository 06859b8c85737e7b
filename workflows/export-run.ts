import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
// Only the types: the activities themselves run outside the sandbox.
import type { AutopilotActivities, StoreActivities } from '../activities';
import type { ExportSettings, RemovalGateList, RunCounts, RunTrigger } from '../domain/export';
import { DEFAULT_AUTOPILOT_TASK_QUEUE } from '../domain/ids';
import { formatRunDetails } from '../domain/run-details';
import { raiseAlert } from './alert';
import { createBatchPool, type BatchPool, type BatchRange } from './batch-pool';
import { createKeyBlock, isAuthFailure } from './key-block';
import { readSource } from './read-source';
import { removeLeavers, untilApproved } from './removals';
import {
  approveRemovalsUpdate,
  BLOCKED_ON_KEY,
  needsApprovalPhase,
  pauseUpdate,
  progressQuery,
  resumeUpdate,
  type PauseState,
  type RunPhase,
  type RunProgress,
} from './steering';

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
  /** From the plan, for progress (absent in runs planned before they were kept). */
  contacts?: number;
  profilesSkipped?: number;
  /** A pause in force when the previous execution continued as new. */
  paused?: PauseState;
  /** Mirror mode: memberships to take off lists after the upserts, and how far that got. */
  removals?: number;
  nextRemoval?: number;
  removedItems?: number;
}

export interface ExportRunResult {
  runId: string;
  counts: RunCounts;
}

const DEFAULTS = {
  concurrency: 4,
  batchesPerExecution: 2_000,
  batchesPerActivity: 20,
  keyRecheckMs: 60_000,
  blockedTimeoutMs: 24 * 3600_000,
};

const control = proxyActivities<StoreActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  scheduleToCloseTimeout: '30 minutes',
});

/**
 * One run of an export: validate the connection, freeze the segments' membership, then send
 * it in batches, continuing as new before history grows large. Carries ids and counts only.
 * Steered by updates (pause, resume) and watched through the progress query and its current
 * details in the Temporal UI.
 */
export async function exportRun(input: ExportRunInput): Promise<ExportRunResult> {
  const { settings } = input;
  const options = { ...DEFAULTS, ...input.options };
  const runId = input.resume?.runId ?? workflowInfo().firstExecutionRunId;
  let state = input.resume;
  let phase: RunPhase = state ? 'exporting' : 'validating';
  let paused = state?.paused;
  let pool: BatchPool | undefined;
  let awaitingApproval: RemovalGateList[] | undefined;
  let removing = false;
  const started = { at: Date.now(), sent: sentItems(state) };

  const progress = (): RunProgress => ({
    phase: paused && (phase === 'exporting' || phase === 'removing') ? 'paused' : phase,
    totalProfiles: state?.totalProfiles,
    batches: state?.batches,
    batchesDone: (state?.nextBatch ?? 0) - (pool?.unfinished() ?? 0),
    exportedItems: state?.exportedItems ?? 0,
    rejectedItems: state?.rejectedItems ?? 0,
    contacts: state?.contacts,
    paused,
    removals: state?.removals,
    removalsDone: state?.removals === undefined ? undefined : (state.nextRemoval ?? 0),
    awaitingApproval,
  });
  const showDetails = () => setCurrentDetails(currentDetails(progress(), state, started));
  const enter = (next: RunPhase) => {
    phase = next;
    showDetails();
  };
  setHandler(progressQuery, progress);
  setHandler(
    pauseUpdate,
    async ({ by }) => {
      const pause = { by, since: new Date().toISOString() };
      paused = pause;
      pool?.interrupt();
      showDetails();
      await condition(() => (!pool || pool.inFlight() === 0) && !removing);
      return pause;
    },
    { validator: (_request: { by: string }) => refusePause(phase, paused) },
  );
  setHandler(
    resumeUpdate,
    async (_request: { by: string }) => {
      paused = undefined;
      showDetails();
      return { resumed: true as const };
    },
    { validator: (_request: { by: string }) => refuseResume(paused) },
  );
  setHandler(
    approveRemovalsUpdate,
    async (_request: { by: string }) => {
      awaitingApproval = undefined;
      return { approved: true as const };
    },
    { validator: (_request: { by: string }) => refuseApproval(awaitingApproval) },
  );

  const autopilot = autopilotActivities(options.autopilotTaskQueue);
  const destination = { connectionId: settings.connectionId, segmentIds: settings.segmentIds };
  /**
   * The lists: those the key check found, and the others created, only when the run sends something.
   * Runs started before the key check found them (`known` undefined) ask for every list here.
   */
  const listsToSend = async (known: Record<string, string> | void, batches: number): Promise<Record<string, string>> => {
    const missing = settings.segmentIds.filter((id) => known?.[id] === undefined);
    if (known && (missing.length === 0 || batches === 0)) return known;
    enter('preparing lists');
    if (!known) return autopilot().ensureLists(destination);
    return { ...known, ...(await autopilot().createLists({ connectionId: settings.connectionId, segmentIds: missing })) };
  };
  try {
    if (!state) {
      showDetails();
      await control.startRun({ runId, exportId: settings.exportId, workflowId: workflowInfo().workflowId, trigger: input.trigger });
      // Runs started before this patch checked the key with a call of its own and asked for every list after the freeze.
      const listsWithKeyCheck = patched('lists-found-with-key-check');
      const known = listsWithKeyCheck ? await autopilot().findLists(destination) : await autopilot().validateConnection({ connectionId: settings.connectionId });
      enter('planning');
      if (settings.source === 'dataverse') await readSource(runId, settings);
      const { gate, ...plan } = await control.planRun({ runId, settings, ...(known && { lists: known }) });
      if (settings.dryRun) {
        // A dry run reports its plan (see the run's `plan`) and ends: nothing is sent, nothing recorded as delivered.
        enter('finishing');
        return { runId, counts: await control.finishRun({ runId, dryRun: true }) };
      }
      const lists = await listsToSend(known, plan.batches);
      state = { runId, ...plan, lists, nextBatch: 0, exportedItems: 0, rejectedItems: 0 };
      if (gate?.length) {
        // Nothing is sent while an admin looks: a mass removal usually means the segment's data broke.
        awaitingApproval = gate;
        enter(needsApprovalPhase(gate));
        void raiseAlert(settings, runId, 'blocked');
        await untilApproved(gate, () => awaitingApproval === undefined, options.blockedTimeoutMs);
      }
    }
    enter('exporting');
    const s = state;
    const keyBlock = createKeyBlock({
      recheckMs: options.keyRecheckMs,
      timeoutMs: options.blockedTimeoutMs,
      check: () => autopilot().validateConnection({ connectionId: settings.connectionId }),
      onBlocked: () => {
        enter(BLOCKED_ON_KEY);
        void raiseAlert(settings, runId, 'blocked');
      },
      onUnblocked: () => enter('exporting'),
    });
    // Histories replay as they ran: runs started before these patches sent one batch per activity, then ten.
    const perActivity = !patched('batches-per-activity') ? 1 : patched('adaptive-batches-per-activity') ? batchesPerActivity(s.batches, options) : 10;
    /** A call to Autopilot that, while the key is refused, waits for it to work again and tries again. */
    const withKey = async <T>(call: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await call();
        } catch (err) {
          if (!isAuthFailure(err)) throw err;
          await keyBlock.wait();
        }
      }
    };
    const send = async ({ first, count }: BatchRange): Promise<void> => {
      const summary = `batches ${first + 1}–${first + count} of ${s.batches}`;
      const r = await withKey(() => autopilot(summary).exportBatch({ runId, connectionId: settings.connectionId, batchNo: first, batchCount: count, lists: s.lists }));
      s.exportedItems += r.exported;
      s.rejectedItems += r.rejected;
      showDetails();
    };
    /** Mirror mode, once every upsert is done; false when the history asks to continue as new first. */
    const removeAll = async (r: RunState): Promise<boolean> => {
      if (!r.removals) return true;
      enter('removing');
      const progress = { removals: r.removals, nextRemoval: r.nextRemoval ?? 0, removedItems: r.removedItems ?? 0 };
      const done = await removeLeavers(progress, {
        released: () => condition(() => paused === undefined),
        remove: async ({ first, count }) => {
          removing = true;
          try {
            const summary = `removals ${first + 1}–${first + count} of ${progress.removals}`;
            return await withKey(() => autopilot(summary).removeMemberships({ runId, connectionId: settings.connectionId, first, count }));
          } finally {
            removing = false;
          }
        },
        onProgress: () => {
          Object.assign(r, { nextRemoval: progress.nextRemoval, removedItems: progress.removedItems });
          showDetails();
        },
      });
      return done;
    };
    const stopAt = Math.min(s.batches, s.nextBatch + options.batchesPerExecution);
    pool = createBatchPool({
      concurrency: options.concurrency,
      held: () => paused !== undefined,
      send,
      fresh: () => {
        if (s.nextBatch >= stopAt || workflowInfo().continueAsNewSuggested) return undefined;
        const range = { first: s.nextBatch, count: Math.min(perActivity, stopAt - s.nextBatch) };
        s.nextBatch += range.count;
        return range;
      },
    });
    // Drained before continuing as new, so "below nextBatch" always means "done".
    await pool.drain();
    if (s.nextBatch >= s.batches && (await removeAll(s))) {
      enter('finishing');
      const counts = await control.finishRun({ runId });
      await raiseAlert(settings, runId, 'completed');
      return { runId, counts };
    }
  } catch (err) {
    // Anything else is a bug in this code: let the workflow task fail and retry once fixed.
    if (!isCancellation(err) && !(err instanceof ActivityFailure) && !(err instanceof ApplicationFailure)) throw err;
    const failure = innermost(err);
    const status = isCancellation(err) ? 'cancelled' : 'failed';
    await CancellationScope.nonCancellable(async () => {
      await pool?.settle();
      await control.failRun({ runId, status, reason: failure.message });
      await raiseAlert(settings, runId, status);
    });
    if (status === 'cancelled') throw err;
    // The run fails with the reason and type of what stopped it, not a generic activity error.
    throw ApplicationFailure.create({ message: failure.message, type: failure.type, nonRetryable: true, cause: err as Error });
  }
  return continueAsNew<typeof exportRun>({ ...input, resume: { ...state, paused } });
}

/**
 * The Autopilot activities, on their rate-limited queue, with a summary for the UI. Histories
 * record the cancellation type: runs started before that patch did not wait for cancelled batches.
 */
function autopilotActivities(taskQueue: string | undefined) {
  // A cancelled run closes only once its batches in flight have stopped, so its counts are final
  // and nothing reaches Autopilot afterwards.
  const cancellationType = patched('wait-for-cancelled-batches')
    ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
    : ActivityCancellationType.TRY_CANCEL;
  return (summary?: string) =>
    proxyActivities<AutopilotActivities>({
      taskQueue: taskQueue ?? DEFAULT_AUTOPILOT_TASK_QUEUE,
      // A killed worker stops heartbeating: its batches are retried after 5 s, however long they may take.
      heartbeatTimeout: '5 seconds',
      startToCloseTimeout: '5 minutes',
      retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
      scheduleToCloseTimeout: '1 hour',
      cancellationType,
      summary,
    });
}

function refusePause(phase: RunPhase, paused: PauseState | undefined): void {
  if (paused) throw new Error(`The run is already paused (by ${paused.by} since ${paused.since})`);
  if (phase === 'finishing') throw new Error('The run is finishing: every batch is sent');
}

function refuseResume(paused: PauseState | undefined): void {
  if (!paused) throw new Error('The run is not paused');
}

function refuseApproval(awaiting: RemovalGateList[] | undefined): void {
  if (!awaiting) throw new Error('The run is not waiting for approval of removals');
}

function sentItems(state: RunState | undefined): number {
  return (state?.exportedItems ?? 0) + (state?.rejectedItems ?? 0);
}

/** The current details, with the rate of this execution so far (workflow time is deterministic). */
function currentDetails(p: RunProgress, state: RunState | undefined, started: { at: number; sent: number }): string {
  const seconds = (Date.now() - started.at) / 1000;
  const sent = sentItems(state) - started.sent;
  const waitingOn =
    p.phase === BLOCKED_ON_KEY
      ? 'Autopilot rejects the API key: replace it on the connection (PATCH /connections/{id}) and the run goes on'
      : p.awaitingApproval
        ? 'an admin to approve the removals (POST /runs/{id}/approve-removals) or cancel the run; nothing is sent meanwhile'
        : p.paused && `paused by ${p.paused.by} since ${p.paused.since}`;
  return formatRunDetails({
    phase: p.phase,
    batchesDone: p.batchesDone,
    batches: p.batches,
    profiles: p.totalProfiles,
    profilesSkipped: state?.profilesSkipped,
    membershipsSent: p.exportedItems,
    membershipsRejected: p.rejectedItems,
    memberships: p.contacts,
    rate: seconds > 1 && sent > 0 ? sent / seconds : undefined,
    removals: p.removals,
    removalsDone: p.removalsDone,
    waitingOn: waitingOn || undefined,
  });
}

/**
 * As many batches per activity as still gives each slot about ten activities: every activity costs a
 * round trip through Temporal, and progress (counted in finished activities) should keep moving.
 */
function batchesPerActivity(batches: number, options: { concurrency: number; batchesPerActivity: number }): number {
  return Math.max(1, Math.min(options.batchesPerActivity, Math.ceil(batches / (options.concurrency * 10))));
}

/** The innermost failure: our messages never carry profile data or keys. */
function innermost(err: unknown): { message: string; type?: string } {
  let e = err as { message: string; type?: string; cause?: unknown };
  while (e.cause instanceof Error) e = e.cause as typeof e;
  return { message: e.message, type: e.type };
}
