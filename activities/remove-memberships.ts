import { isDestinationError, type Destination } from '../destinations';
import type { Db } from '../store/db';
import { RemovalHeld } from '../domain/export';
import { readRemovals, recordRemovals, type RemovalItem, type RemovalOutcome, type RemovalStatus } from '../store/removals';
import { retryingTransient } from '../destinations/retrying-transient';

export interface RemoveMembershipsInput {
  runId: string;
  connectionId: string;
  /** Removals [first, first + count) of the run's plan (run_removals seqs). */
  first: number;
  count: number;
}

export interface RemovalResult {
  /** Memberships off their lists (this attempt's and earlier attempts'). */
  removed: number;
  /** Memberships the destination refused to remove; their sync state stays. */
  failed: number;
  /** Memberships another export delivered since the freeze: left on their lists. */
  kept: number;
}

/**
 * Removals of one slice in flight at once. Each waits for its own turn at the key's rate; one at a
 * time, every removal also waited out the destination's answer (Autopilot: 100–300 ms), and 500 of them took 1.2 ×
 * their floor.
 */
export const REMOVALS_IN_FLIGHT = 4;

/**
 * Takes a slice of a run's planned memberships off their places, one request each (each paced by
 * the client's turn), recording each outcome as it comes, so a killed attempt loses at most the
 * ones in flight, and its retry skips what is already removed (a repeated DELETE is harmless too).
 * Only membership is touched: contacts are never deleted. A request the destination refuses (4xx)
 * fails that removal alone; auth failures and exhausted transient ones stop the slice and are
 * thrown once the requests in flight have ended.
 */
export async function removeMemberships(db: Db, destination: Destination, input: RemoveMembershipsInput, signal: AbortSignal): Promise<RemovalResult> {
  const items = await readRemovals(db, input.runId, input.first, input.count);
  const done = (status: RemovalStatus) => items.filter((item) => item.status === status).length;
  const todo = items.filter((item) => item.status === 'pending' || item.status === 'failed');
  const result: RemovalResult = { removed: done('removed'), failed: 0, kept: done('kept') };
  let next = 0;
  let stopped = false;
  const lane = async () => {
    try {
      while (!stopped && next < todo.length) {
        const item = todo[next++];
        signal.throwIfAborted();
        // A request once started is finished and recorded, even when the run is being cancelled.
        const outcome = await removeOne(destination, item, signal);
        await recordRemovals(db, input.runId, [outcome]);
        result[outcome.status]++;
      }
    } catch (err) {
      stopped = true;
      throw err;
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: REMOVALS_IN_FLIGHT }, lane));
  const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failed) throw failed.reason;
  return result;
}

async function removeOne(destination: Destination, item: RemovalItem, signal: AbortSignal): Promise<RemovalOutcome> {
  if (item.heldElsewhere) return { seq: item.seq, status: 'kept', reason: RemovalHeld.DELIVERED_BY_ANOTHER_EXPORT };
  try {
    await retryingTransient(() => destination.removeMembership(item.listId, item.email), signal);
    return { seq: item.seq, status: 'removed' };
  } catch (err) {
    // The message names the status and the destination's wording only, never the email.
    if (isDestinationError(err, 'rejected')) return { seq: item.seq, status: 'failed', reason: err.message };
    throw err;
  }
}
