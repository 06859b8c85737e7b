import type { Db } from './db';

/** Requests start a little more than 1/rate apart, so timer jitter never squeezes rate + 1 into one second. */
const SPACING_MARGIN = 1.05;

/**
 * How late a caller may still use its turn. The margin leaves 50 ms of slack in every second
 * (5 % of it, whatever the rate): half for a turn used late, half for the trip to Autopilot, whose
 * delays on a busy machine the caller cannot see. A turn used later would eat into the next ones.
 */
export const TURN_LATENESS_MS = 25;

/**
 * Reserves the next turn to call one Autopilot destination (see `destinationKey`), in a schedule kept in the store and
 * shared by every worker: turns are 1/rate seconds apart, so no one-second window ever holds more
 * than `rate` requests, however many workers and runs share the key. Returns how long to wait for
 * the turn, or null (and reserves nothing) when it is more than `maxWaitMs` away.
 */
export async function reserveTurn(db: Db, destination: string, requestsPerSecond: number, maxWaitMs: number): Promise<number | null> {
  const spacingMs = (1000 / requestsPerSecond) * SPACING_MARGIN;
  const [row] = await db.query<{ waitMs: number }>(
    `INSERT INTO autopilot_pacing AS p (destination, next_slot)
       VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
     ON CONFLICT (destination) DO UPDATE
       SET next_slot = greatest(p.next_slot, clock_timestamp()) + $2 * interval '1 millisecond'
       WHERE p.next_slot < clock_timestamp() + $3 * interval '1 millisecond'
     RETURNING (extract(epoch FROM next_slot - clock_timestamp()) * 1000 - $2)::float8 AS "waitMs"`,
    [destination, spacingMs, maxWaitMs],
  );
  return row ? Math.max(0, row.waitMs) : null;
}
