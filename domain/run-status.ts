/** A run's status: the one list the store, the API's contract, the CLI and the console derive theirs from. Pure. */

/** Every status a run can have. `skipped`: a scheduled trigger that started nothing (no run went). */
export const RUN_STATUSES = ['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const without = <S extends string, X extends S>(statuses: readonly S[], ...left: X[]): readonly Exclude<S, X>[] =>
  statuses.filter((status): status is Exclude<S, X> => !(left as readonly S[]).includes(status));

/** Over: nothing more will happen to the run. */
export const ENDED_STATUSES = without(RUN_STATUSES, 'running');
export type EndedStatus = (typeof ENDED_STATUSES)[number];

/** How a run that went ends: closed by its workflow, or by reconciliation with Temporal. */
export const CLOSED_STATUSES = without(ENDED_STATUSES, 'skipped');
export type ClosedStatus = (typeof CLOSED_STATUSES)[number];

/** Closed before sending all it planned: what it never sent stays pending, and a re-drive sends it. */
export const CUT_SHORT_STATUSES = without(CLOSED_STATUSES, 'completed');
export type CutShortStatus = (typeof CUT_SHORT_STATUSES)[number];

/** Takes any string: the CLI and the console read statuses from the API's answers. */
export const isEnded = (status: string): boolean => (ENDED_STATUSES as readonly string[]).includes(status);
export const isCutShort = (status: string): boolean => (CUT_SHORT_STATUSES as readonly string[]).includes(status);
