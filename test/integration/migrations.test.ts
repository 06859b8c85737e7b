import { openDb, type Db } from '../../store/db';
import { startPostgres, type Postgres } from '../helpers/postgres';

const PROCESSES = 6;

/** As deployed: the API and every worker open the store at once, on a database nobody migrated yet. */
describe('migrations on a fresh PostgreSQL', () => {
  let postgres: Postgres;
  const dbs: Db[] = [];

  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterAll(async () => {
    await Promise.all(dbs.map((db) => db.close()));
    await postgres?.stop();
  });

  it('all succeed when several processes migrate at the same time, each migration applied once', async () => {
    const opened = await Promise.allSettled(Array.from({ length: PROCESSES }, () => openDb({ url: postgres.url })));
    for (const result of opened) if (result.status === 'fulfilled') dbs.push(result.value);

    expect(opened.filter((r) => r.status === 'rejected')).toEqual([]);
    const versions = await dbs[0].query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i + 1));
    expect(versions.length).toBeGreaterThan(1);
  });
});
