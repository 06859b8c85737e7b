import { openDb, type Db } from '../../store/db';
import { startPostgres, type Postgres } from '../helpers/postgres';
import { playScenarios } from '../helpers/run-scenarios';

/**
 * On PostgreSQL a run's batches are recorded by several activities at once, a retry sometimes at
 * the same time as the attempt it repeats: the counts kept must still be those counted from the
 * items (no profile moved twice, none lost), and no two recordings may deadlock.
 */
let postgres: Postgres;
let db: Db;
beforeAll(async () => {
  postgres = await startPostgres();
  db = await openDb({ url: postgres.url });
}, 120_000);
afterAll(async () => {
  await db?.close();
  await postgres?.stop();
});

it('keeps exact counts while four batches of overlapping segments are recorded at once', async () => {
  for (const seed of [11, 12]) {
    await playScenarios(db, {
      seed,
      profiles: 400,
      concurrency: 4,
      check: (kept, recomputed, at) => expect({ at, counts: kept }).toEqual({ at, counts: recomputed }),
    });
  }
}, 300_000);
