import { AutopilotError, type AutopilotClient } from '../autopilot';
import type { Db } from '../store/db';
import { readRemovals, recordRemovals, type RemovalItem, type RemovalOutcome } from '../store/removals';
import { retryingTransient } from './retrying-transient';

export interface RemoveMembershipsInput {
  runId: string;
  connectionId: string;
  /** Removals [first, first + count) of the run's plan (run_removals seqs). */
  first: number;
  count: number;
  /** Segment id → Autopilot list id, as ensured for the run; each removal uses the list it was delivered to. */
  lists?: Record<string, string>;
}

export interface RemovalResult {
  /** Memberships off their lists (this attempt's and earlier attempts'). */
  removed: number;
  /** Memberships Autopilot refused to remove; their sync state stays. */
  failed: number;
}

/**
 * Takes a slice of a run's planned memberships off their lists, one request each (each paced by
 * the client's turn), recording each outcome before the next request, so a killed attempt loses at
 * most the one in flight, and its retry skips what is already removed (a repeated DELETE would be
 * harmless too). Only list membership is touched: contacts are never deleted. A request Autopilot
 * refuses (4xx) fails that removal alone; auth failures and exhausted transient ones are thrown.
 */
export async function removeMemberships(db: Db, client: AutopilotClient, input: RemoveMembershipsInput, signal: AbortSignal): Promise<RemovalResult> {
  const result: RemovalResult = { removed: 0, failed: 0 };
  for (const item of await readRemovals(db, input.runId, input.first, input.count)) {
    if (item.status === 'removed') {
      result.removed++;
      continue;
    }
    signal.throwIfAborted();
    // A request once started is finished and recorded, even when the run is being cancelled.
    const outcome = await removeOne(client, item, signal);
    await recordRemovals(db, input.runId, [outcome]);
    result[outcome.status]++;
  }
  return result;
}

async function removeOne(client: AutopilotClient, item: RemovalItem, signal: AbortSignal): Promise<RemovalOutcome> {
  try {
    await retryingTransient(() => client.removeFromList(item.listId, item.email), signal);
    return { seq: item.seq, status: 'removed' };
  } catch (err) {
    // The message names the status and Autopilot's wording only, never the email.
    if (err instanceof AutopilotError && err.kind === 'rejected') return { seq: item.seq, status: 'failed', reason: err.message };
    throw err;
  }
}
