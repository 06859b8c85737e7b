import { setTimeout as sleep } from 'node:timers/promises';
import { openDb, type Db } from '../../../store/db';
import { takeTurnIfDue } from '../../../store/pacing';

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
    expect(await takeTurnIfDue(db, 'dest-a', 5)).toEqual({ taken: true });
    const next = await takeTurnIfDue(db, 'dest-a', 5);
    expect(next.taken).toBe(false);
    // 208 ms after the first (1/rate + 4 %), less the time the calls took.
    expect(!next.taken && next.waitMs).toBeGreaterThan(150);
    expect(!next.taken && next.waitMs).toBeLessThanOrEqual(208);
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
    expect(await takeTurnIfDue(db, 'dest-c', 5)).toEqual({ taken: true });
    const next = await takeTurnIfDue(db, 'dest-c', 5);
    expect(next.taken).toBe(false);
    // Not the old schedule's next turn (already past): one spacing after the late one, less 2 % of 1/rate.
    expect(!next.taken && next.waitMs).toBeGreaterThan(150);
  });

  it('keeps one schedule per destination', async () => {
    await takeTurn(db, 'dest-d', 1);
    expect(await takeTurnIfDue(db, 'dest-e', 1)).toEqual({ taken: true });
  });
});
