import type { Db } from './db';
import { LATENESS_TOLERANCE, MAX_CLAIM_ROUND_TRIP_MS, SPACING_MARGIN, waitForTurn, type WaitedTurn, type WaitForTurnOptions } from './pacing';

/** Waits for a destination's next turn and takes it (see waitForTurn). */
export type TurnTaker = (destination: string, requestsPerSecond: number, options: WaitForTurnOptions) => Promise<WaitedTurn>;

/** Schedules of embedded stores, one per store: every set of workers on it shares it. */
const schedules = new WeakMap<Db, Map<string, number>>();

/**
 * How workers on this store take a destination's turns. On PostgreSQL, in the schedule the store
 * keeps for every process (waitForTurn). On the embedded store, one process holds the store, so
 * every caller of a key is in it: the same schedule is kept in memory, where a turn costs the store
 * (one thread, busy with the runs' batches) nothing.
 */
export function turnTaker(db: Db): TurnTaker {
  if (!db.oneAtATime) return (destination, rps, options) => waitForTurn(db, destination, rps, options);
  let schedule = schedules.get(db);
  if (!schedule) schedules.set(db, (schedule = new Map()));
  return (destination, rps, options) => waitInProcess(schedule, destination, rps, options);
}

async function waitInProcess(schedule: Map<string, number>, destination: string, rps: number, options: WaitForTurnOptions): Promise<WaitedTurn> {
  const clock = options.clock ?? (() => performance.now());
  const giveUpAt = clock() + options.maxWaitMs;
  let givenBack = 0;
  for (;;) {
    const waitMs = takeTurnIfDue(schedule, destination, rps, clock());
    if (waitMs === 0) {
      const slot = schedule.get(destination) as number;
      // As the store's claim does, the turn passes through the event loop before it is used: one
      // that came back late (a busy process) would start its request late, close on the next one's.
      const asked = clock();
      await new Promise(setImmediate);
      if (clock() - asked <= MAX_CLAIM_ROUND_TRIP_MS * 2 ** Math.floor(givenBack / 3)) return { taken: true, givenBack };
      givenBack++;
      // Back one spacing, unless another turn was taken since (then the schedule stays as it is).
      if (schedule.get(destination) === slot) schedule.set(destination, slot - (1000 / rps) * SPACING_MARGIN);
      continue;
    }
    if (clock() + waitMs > giveUpAt) return { taken: false, waitMs };
    await options.sleep(waitMs);
  }
}

/** The store's takeTurnIfDue, in memory: 0 when the turn is taken, else how long until it comes. */
function takeTurnIfDue(schedule: Map<string, number>, destination: string, rps: number, now: number): number {
  const spacing = (1000 / rps) * SPACING_MARGIN;
  const next = schedule.get(destination);
  if (next === undefined) {
    schedule.set(destination, now + spacing);
    return 0;
  }
  if (next > now) return Math.max(1, next - now);
  schedule.set(destination, Math.max(next, now - (1000 / rps) * LATENESS_TOLERANCE) + spacing);
  return 0;
}
