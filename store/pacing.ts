import type { Db } from './db';

/**
 * Turns are 2.5 % more than 1/rate apart: rate + 1 requests span at least 1,025 ms less the
 * lateness tolerance below (1,021 ms at 5 per second). The 21 ms left cover the trip from the
 * store's clock to Autopilot: at most MAX_CLAIM_ROUND_TRIP_MS from the store to the caller (a turn
 * answered later is given back), the rest from the caller to Autopilot. With 3 % and no bound on
 * the store's answer, a busy 2-core machine got 1 to 4 requests in 100,000-profile runs a 429.
 */
export const SPACING_MARGIN = 1.025;
/**
 * A turn taken up to 2 % of 1/rate late keeps the schedule (the next turn is one spacing after
 * this one was due); one taken later moves it (the next is one spacing after this one less that
 * tolerance). Either way two requests start more than 1/rate apart.
 */
export const LATENESS_TOLERANCE = 0.02;
/**
 * A turn is timed at the store, so a request starts as late after its turn as the store's answer
 * took to come back; and the later it starts, the closer it comes to the next turn's request. A
 * turn whose claim took longer than this from question to answer (a busy store, a descheduled
 * process) is given back unused and asked for again. After every 3 given back in a row the bound
 * doubles, so that a store that is always that far away still hands out turns: it is the spread
 * of the delays, not their size, that brings two requests closer.
 */
export const MAX_CLAIM_ROUND_TRIP_MS = 8;

export type Turn = { taken: true; slot: string } | { taken: false; waitMs: number };

const spacingMs = (requestsPerSecond: number) => (1000 / requestsPerSecond) * SPACING_MARGIN;
/** A schedule position as exact integer microseconds, comparable across sessions and clients. */
const SLOT = `(extract(epoch FROM next_slot) * 1000000)::bigint`;

/**
 * Takes the turn to call one Autopilot destination (see `destinationKey`) now, if it has come, in
 * a schedule kept in the store and shared by every worker: one row per destination, holding when
 * the next turn comes. Otherwise says how long until it comes; whoever asks first then takes it.
 * A turn is taken only when its caller is ready to send, so a caller woken late by a busy machine
 * takes it late rather than losing it; and it is taken at the store's clock, so the spacing holds
 * between requests as they start, however many workers and runs share the key. `slot` names the
 * schedule's position after this turn, for giveBackTurn.
 */
export async function takeTurnIfDue(db: Db, destination: string, requestsPerSecond: number): Promise<Turn> {
  const intervalMs = 1000 / requestsPerSecond;
  const [row] = await db.query<{ slot: string | null; waitMs: number | null }>(
    `WITH taken AS (
       INSERT INTO autopilot_pacing AS p (destination, next_slot)
         VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
       ON CONFLICT (destination) DO UPDATE
         SET next_slot = greatest(p.next_slot, clock_timestamp() - $3 * interval '1 millisecond') + $2 * interval '1 millisecond'
         WHERE p.next_slot <= clock_timestamp()
       RETURNING ${SLOT}::text AS slot
     )
     SELECT (SELECT slot FROM taken) AS slot,
       (SELECT extract(epoch FROM next_slot - clock_timestamp()) * 1000 FROM autopilot_pacing WHERE destination = $1)::float8 AS "waitMs"`,
    [destination, spacingMs(requestsPerSecond), intervalMs * LATENESS_TOLERANCE],
  );
  // Another worker's turn, taken while this statement ran, may not be visible to it yet: ask again soon.
  return row.slot !== null ? { taken: true, slot: row.slot } : { taken: false, waitMs: Math.max(1, row.waitMs ?? 0) };
}

/**
 * Gives an unused turn back: the schedule goes back one spacing, unless another turn was taken
 * since (then it stays as it is). Nothing was sent in the turn, so the requests actually sent keep
 * their spacing; the next caller may take it at once. True when it was given back.
 */
export async function giveBackTurn(db: Db, destination: string, requestsPerSecond: number, slot: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE autopilot_pacing SET next_slot = next_slot - $3 * interval '1 millisecond'
     WHERE destination = $1 AND ${SLOT} = $2::bigint RETURNING 1`,
    [destination, slot, spacingMs(requestsPerSecond)],
  );
  return rows.length > 0;
}

export interface WaitForTurnOptions {
  /** Waits this long (the activity's sleep, which ends early when the attempt is cancelled). */
  sleep: (ms: number) => Promise<unknown>;
  /** Gives up, saying how long the turn still is away, when it is further than this from the first ask. */
  maxWaitMs: number;
  /** Monotonic milliseconds, for the claim's round trip (default performance.now). */
  clock?: () => number;
}

export type WaitedTurn = { taken: true; givenBack: number } | { taken: false; waitMs: number };

/**
 * Waits for the destination's next turn and takes it, asking again when it is due. A turn whose
 * claim took more than MAX_CLAIM_ROUND_TRIP_MS to answer (doubled after every 3 in a row) is given
 * back and asked for again, so a request never starts later after its turn than that.
 */
export async function waitForTurn(db: Db, destination: string, requestsPerSecond: number, options: WaitForTurnOptions): Promise<WaitedTurn> {
  const clock = options.clock ?? (() => performance.now());
  const giveUpAt = clock() + options.maxWaitMs;
  let givenBack = 0;
  for (;;) {
    const asked = clock();
    const turn = await takeTurnIfDue(db, destination, requestsPerSecond);
    const answered = clock();
    if (turn.taken) {
      if (answered - asked <= MAX_CLAIM_ROUND_TRIP_MS * 2 ** Math.floor(givenBack / 3)) return { taken: true, givenBack };
      givenBack++;
      await giveBackTurn(db, destination, requestsPerSecond, turn.slot);
      continue;
    }
    if (answered + turn.waitMs > giveUpAt) return turn;
    await options.sleep(turn.waitMs);
  }
}
