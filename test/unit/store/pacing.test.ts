import { openDb, type Db } from '../../../store/db';
import { reserveTurn } from '../../../store/pacing';

describe('reserveTurn', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb();
  });
  afterAll(() => db.close());

  it('hands out turns at least 1/rate apart, across callers', async () => {
    const waits = await Promise.all(Array.from({ length: 10 }, () => reserveTurn(db, 'conn-a', 5, 60_000)));
    const sorted = (waits as number[]).sort((a, b) => a - b);
    const gaps = sorted.slice(1).map((w, i) => w - sorted[i]);
    // Each turn is 210 ms after the previous; time passing between the calls only shortens the waits.
    for (const gap of gaps) expect(gap).toBeGreaterThan(150);
    expect(sorted[9]).toBeGreaterThan(9 * 150);
  });

  it('keeps one schedule per connection', async () => {
    expect(await reserveTurn(db, 'conn-b', 5, 1_000)).toBeLessThan(50);
  });

  it('refuses, and reserves nothing, when the next turn is further away than the caller may wait', async () => {
    for (let i = 0; i < 5; i++) await reserveTurn(db, 'conn-c', 1, 10_000);
    expect(await reserveTurn(db, 'conn-c', 1, 2_000)).toBeNull();
    const next = await reserveTurn(db, 'conn-c', 1, 10_000);
    expect(next).toBeGreaterThan(4_000);
    expect(next).toBeLessThan(5_300);
  });
});
