import { ApplicationFailure, condition, workflowInfo } from '@temporalio/workflow';
import type { RemovalGateList } from '../domain/export';
import { ErrorType } from '../domain/errors';

/** Removals per activity: one request each at the key's rate, so a pause waits at most a few seconds. */
export const REMOVALS_PER_ACTIVITY = 25;

export interface RemovalProgress {
  removals: number;
  /** Every removal below this one is done (removed or failed). */
  nextRemoval: number;
  removedItems: number;
}

export interface RemovalPhaseOptions {
  /** Removes [first, first + count) of the run's planned removals; retried by Temporal, idempotent. */
  /** Undefined when a pause interrupted the slice. */
  remove(range: { first: number; count: number }): Promise<{ removed: number; failed: number } | undefined>;
  /** Resolves when the run may send (not paused). */
  released(): Promise<void>;
  onProgress(): void;
}

/**
 * Takes the memberships that left their segments off their lists, a slice at a time, after every
 * upsert is done. Returns false when the history asks to continue as new first: `nextRemoval` says
 * where to go on.
 */
export async function removeLeavers(p: RemovalProgress, options: RemovalPhaseOptions): Promise<boolean> {
  while (p.nextRemoval < p.removals) {
    if (workflowInfo().continueAsNewSuggested) return false;
    await options.released();
    const range = { first: p.nextRemoval, count: Math.min(REMOVALS_PER_ACTIVITY, p.removals - p.nextRemoval) };
    const r = await options.remove(range);
    if (!r) continue; // interrupted by a pause: the same slice again, once released
    p.nextRemoval += range.count;
    p.removedItems += r.removed;
    options.onProgress();
  }
  return true;
}

/**
 * Holds a run whose removals are over its export's share of a list until an admin approves them
 * (`approved()` turns true) or the time runs out; a cancel ends the wait like any other.
 */
export async function untilApproved(lists: RemovalGateList[], approved: () => boolean, timeoutMs: number): Promise<void> {
  if (await condition(approved, timeoutMs)) return;
  const total = lists.reduce((sum, l) => sum + l.removals, 0);
  const hours = Math.round(timeoutMs / 360_000) / 10;
  throw ApplicationFailure.nonRetryable(
    `Nobody approved the ${total} planned removals within ${hours} h (POST /runs/{id}/approve-removals); nothing was removed`,
    ErrorType.RemovalsNotApproved,
  );
}
