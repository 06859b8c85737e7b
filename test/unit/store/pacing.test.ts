import { setTimeout as sleep } from 'node:timers/promises';
import { openDb, type Db } from '../../../store/db';
import { giveBackTurn, MAX_CLAIM_ROUND_TRIP_MS, takeTurnIfDue, waitForTurn } from '../../../store/pacing';

/** Asks until the turn is taken, as takeTurn does; returns when (by this process's clock). */
async function takeTurn(db: Db, destination: string, rate: number): Promise<number> {
  for (;;) {
    const turn = await takeTurnIfDue(db, destination, rate);
    if (turn.taken) return Date.now();
    await sleep(turn.waitMs);
  }
}

describe('takeTurnIfDue', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb();
  });
  afterAll(() => db.close());

  it('takes a turn that has come, and says when the next one comes', async () => {
    expect(await takeTurnIfDue(db, 'dest-a', 5)).toMatchObject({ taken: true });
    const next = await takeTurnIfDue(db, 'dest-a', 5);
    expect(next.taken).toBe(false);
    // 205 ms after the first (1/rate + 2.5 %), less the time the calls took.
    expect(!next.taken && next.waitMs).toBeGreaterThan(150);
    expect(!next.taken && next.waitMs).toBeLessThanOrEqual(205);
  });

  it('hands out turns more than 1/rate apart to callers asking at once', async () => {
    const times = (await Promise.all(Array.from({ length: 8 }, () => takeTurn(db, 'dest-b', 20)))).sort((a, b) => a - b);
    // 50 ms apart at 20 per second; this process sees each turn a little after the store gave it.
    for (const [i, t] of times.slice(1).entries()) expect(t - times[i]).toBeGreaterThan(35);
    expect(times[7] - times[0]).toBeGreaterThanOrEqual(7 * 50);
  });

  it('lets a caller woken late still take its turn, and spaces the next one from then', async () => {
    await takeTurn(db, 'dest-c', 5);
    await sleep(600); // two turns late
    expect(await takeTurnIfDue(db, 'dest-c', 5)).toMatchObject({ taken: true });
    const next = await takeTurnIfDue(db, 'dest-c', 5);
    expect(next.taken).toBe(false);
    // Not the old schedule's next turn (already past): one spacing after the late one, less 2 % of 1/rate.
    expect(!next.taken && next.waitMs).toBeGreaterThan(150);
  });

  it('keeps one schedule per destination', async () => {
    await takeTurn(db, 'dest-d', 1);
    expect(await takeTurnIfDue(db, 'dest-e', 1)).toMatchObject({ taken: true });
  });

  it('gives back a turn that came back too late to use, and the turn can be taken again at once', async () => {
    const turn = await takeTurnIfDue(db, 'dest-f', 5);
    if (!turn.taken) throw new Error('first turn not taken');
    expect(await giveBackTurn(db, 'dest-f', 5, turn.slot)).toBe(true);
    expect(await takeTurnIfDue(db, 'dest-f', 5)).toMatchObject({ taken: true });
    expect((await takeTurnIfDue(db, 'dest-f', 5)).taken).toBe(false);
  });

  it('does not give back a turn once another was taken after it', async () => {
    const first = await takeTurnIfDue(db, 'dest-g', 20);
    if (!first.taken) throw new Error('first turn not taken');
    await takeTurn(db, 'dest-g', 20);
    expect(await giveBackTurn(db, 'dest-g', 20, first.slot)).toBe(false);
    // The schedule still counts from the second turn.
    expect((await takeTurnIfDue(db, 'dest-g', 20)).taken).toBe(false);
  });

  describe('waitForTurn', () => {
    /** A clock that says each claim (the pacing INSERT) took the next of `roundTrips` ms; other queries take no time. */
    function slowClaims(roundTrips: number[]): { db: Db; clock: () => number } {
      let now = 0;
      let pendingDelay = 0;
      const slow: Db = {
        ...db,
        query: async <T>(sql: string, params?: unknown[]) => {
          if (sql.includes('INSERT INTO autopilot_pacing')) pendingDelay = roundTrips.shift() ?? 0;
          return db.query<T>(sql, params);
        },
      };
      const clock = () => {
        now += pendingDelay;
        pendingDelay = 0;
        return now;
      };
      return { db: slow, clock };
    }

    it('takes a turn answered in time', async () => {
      const { db: slow, clock } = slowClaims([1]);
      expect(await waitForTurn(slow, 'dest-h', 5, { sleep, maxWaitMs: 5_000, clock })).toEqual({ taken: true, givenBack: 0 });
    });

    it('gives back a turn answered too late and takes the next one answered in time, without waiting a spacing', async () => {
      const { db: slow, clock } = slowClaims([MAX_CLAIM_ROUND_TRIP_MS + 1, 1]);
      const slept: number[] = [];
      const turn = await waitForTurn(slow, 'dest-i', 5, { sleep: (ms) => (slept.push(ms), sleep(ms)), maxWaitMs: 5_000, clock });
      expect(turn).toEqual({ taken: true, givenBack: 1 });
      expect(slept).toEqual([]);
      // One turn in use: the next one is a spacing away.
      expect((await takeTurnIfDue(db, 'dest-i', 5)).taken).toBe(false);
    });

    it('doubles the bound after every three turns given back in a row, so a far-away store still gets turns', async () => {
      const late = 2 * MAX_CLAIM_ROUND_TRIP_MS;
      const { db: slow, clock } = slowClaims([late, late, late, late]);
      expect(await waitForTurn(slow, 'dest-j', 5, { sleep, maxWaitMs: 5_000, clock })).toEqual({ taken: true, givenBack: 3 });
    });

    it('says how far away the turn is when it is further than the caller waits', async () => {
      await takeTurn(db, 'dest-k', 1);
      const turn = await waitForTurn(db, 'dest-k', 1, { sleep, maxWaitMs: 100 });
      expect(turn.taken).toBe(false);
      expect(!turn.taken && turn.waitMs).toBeGreaterThan(100);
    });
  });
});
