import { workflowInfo } from '@temporalio/workflow';
import { raiseAlert } from '../alert';
import { createBatchPool, type BatchRange } from '../batch-pool';
import { createKeyBlock, isAuthFailure } from '../key-block';
import { BLOCKED_ON_KEY } from '../steering';
import { destination } from './activities';
import type { RunState } from './state';

/**
 * Sends the run's batches, a few activities in flight, several batches each, until every batch of
 * this execution is done. Returns false when history asks to continue as new first. A key the
 * destination refuses mid-run blocks the run, visibly, until it works again.
 */
export async function sendBatches(run: RunState): Promise<boolean> {
  const planned = run.planned!;
  const { settings, options, runId } = run;
  run.enter('exporting');
  const withKey = keyBlocked(run);
  const perActivity = batchesPerActivity(planned.batches, options);
  const stopAt = Math.min(planned.batches, planned.nextBatch + options.batchesPerExecution);
  const send = async ({ first, count }: BatchRange): Promise<void> => {
    const summary = `batches ${first + 1}–${first + count} of ${planned.batches}`;
    const r = await withKey(() =>
      destination(summary).exportBatch({ runId, connectionId: settings.connectionId, batchNo: first, batchCount: count, places: planned.places }),
    );
    planned.membershipsExported += r.exported;
    planned.membershipsRejected += r.rejected;
    run.showDetails();
  };
  run.pool = createBatchPool({
    concurrency: options.concurrency,
    held: () => run.paused !== undefined,
    send,
    fresh: () => {
      if (planned.nextBatch >= stopAt || workflowInfo().continueAsNewSuggested) return undefined;
      const range = { first: planned.nextBatch, count: Math.min(perActivity, stopAt - planned.nextBatch) };
      planned.nextBatch += range.count;
      return range;
    },
  });
  // Drained before continuing as new, so "below nextBatch" always means "done".
  await run.pool.drain();
  return planned.nextBatch >= planned.batches;
}

/** A call to the destination that, while the key is refused, waits for it to work again and tries again. */
export function keyBlocked(run: RunState) {
  const { settings, runId, options } = run;
  let before = run.phase;
  const keyBlock = createKeyBlock({
    recheckMs: options.keyRecheckMs,
    timeoutMs: options.blockedTimeoutMs,
    check: async () => void (await destination().checkKey({ connectionId: settings.connectionId })),
    onBlocked: () => {
      before = run.phase;
      run.enter(BLOCKED_ON_KEY);
      void raiseAlert(settings, runId, 'blocked');
    },
    onUnblocked: () => run.enter(before),
  });
  return async <T>(call: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await call();
      } catch (err) {
        if (!isAuthFailure(err)) throw err;
        await keyBlock.wait();
      }
    }
  };
}

/**
 * As many batches per activity as still gives each slot about ten activities: every activity costs a
 * round trip through Temporal, and progress (counted in finished activities) should keep moving.
 */
function batchesPerActivity(batches: number, options: { concurrency: number; batchesPerActivity: number }): number {
  return Math.max(1, Math.min(options.batchesPerActivity, Math.ceil(batches / (options.concurrency * 10))));
}
