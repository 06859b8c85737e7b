import type { Db } from './db';

/**
 * Turns are 4 % more than 1/rate apart: rate + 1 requests span at least 1,040 ms less the lateness
 * below (1,036 ms at 5 per second), and the 36 ms left cover the trip from the store to Autopilot,
 * whose delays on a busy machine the caller cannot see. With 3 %, a busy 2-core machine got 1 to 4
 * requests in 100,000-profile runs a 429.
 */
const SPACING_MARGIN = 1.04;
/**
 * A turn taken up to 2 % of 1/rate late keeps the schedule (the next turn is one spacing after
 * this one was due); one taken later moves it (the next is one spacing after this one less that
 * tolerance). Either way two requests start more than 1/rate apart.
 */
const LATENESS_TOLERANCE = 0.02;

export type Turn = { taken: true } | { taken: false; waitMs: number };

/**
 * Takes the turn to call one Autopilot destination (see `destinationKey`) now, if it has come, in
 * a schedule kept in the store and shared by every worker: one row per destination, holding when
 * the next turn comes. Otherwise says how long until it comes; whoever asks first then takes it.
 * A turn is taken only when its caller is ready to send, so a caller woken late by a busy machine
 * takes it late rather than losing it; and it is taken at the store's clock, so the spacing holds
 * between requests as they start, however many workers and runs share the key.
 */
export async function takeTurnIfDue(db: Db, destination: string, requestsPerSecond: number): Promise<Turn> {
  const intervalMs = 1000 / requestsPerSecond;
  const [row] = await db.query<{ taken: boolean; waitMs: number | null }>(
    `WITH taken AS (
       INSERT INTO autopilot_pacing AS p (destination, next_slot)
         VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
       ON CONFLICT (destination) DO UPDATE
         SET next_slot = greatest(p.next_slot, clock_timestamp() - $3 * interval '1 millisecond') + $2 * interval '1 millisecond'
         WHERE p.next_slot <= clock_timestamp()
       RETURNING 1
     )
     SELECT EXISTS (SELECT FROM taken) AS taken,
       (SELECT extract(epoch FROM next_slot - clock_timestamp()) * 1000 FROM autopilot_pacing WHERE destination = $1)::float8 AS "waitMs"`,
    [destination, intervalMs * SPACING_MARGIN, intervalMs * LATENESS_TOLERANCE],
  );
  // Another worker's turn, taken while this statement ran, may not be visible to it yet: ask again soon.
  return row.taken ? { taken: true } : { taken: false, waitMs: Math.max(1, row.waitMs ?? 0) };
}
