import { countsAddUp, type RunCounts } from '../../domain/export';
import { openDb } from '../../store/db';
import { startApiStack, type ApiStack } from '../helpers/api-stack';
import { simContacts, until } from '../helpers/assertions';
import { startPostgres, type Postgres } from '../helpers/postgres';
import { buildProfiles, expectedExport, loadProfiles } from '../helpers/profiles';
import { TEST_API_KEY } from '../helpers/stack';

/** PostgreSQL restarted under a running export: nothing exits, requests meanwhile are 503s, the run completes. */
describe('a PostgreSQL restart under a running export', () => {
  let pg: Postgres;
  let s: ApiStack;
  const profiles = buildProfiles(1_500);

  beforeAll(async () => {
    pg = await startPostgres();
    s = await startApiStack({ db: await openDb({ url: pg.url }) });
    await loadProfiles(s.db, profiles);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await s?.db.close();
    await pg?.stop();
  });

  it('answers 503 while the store is down and completes the run once it is back', async () => {
    const connection = await s.api('POST', '/connections', {
      displayName: 'Sim', apiKey: TEST_API_KEY, usableBy: 'admins', privacyConsent: true, baseUrl: s.sim.url, requestsPerSecond: 5,
    });
    const created = await s.api('POST', '/exports', {
      displayName: 'Restart', connectionId: connection.body.id, segmentIds: ['A', 'B', 'C'],
      mapping: { email: 'EmailAddress', firstName: 'FirstName', lastName: 'LastName' },
    });
    const { runId } = (await s.api('POST', `/exports/${created.body.id}/runs`)).body;
    await until('a few batches', async () => (s.sim.sim.stats(TEST_API_KEY).upserts >= 3 ? true : undefined));

    await pg.halt();
    const during = await s.api('GET', `/runs/${runId}`);
    const health = await s.api('GET', '/health');
    await new Promise((r) => setTimeout(r, 2_000));
    await pg.resume();

    expect(during).toMatchObject({ status: 503, body: { error: { code: 'store_unavailable' } } });
    expect(health).toMatchObject({ status: 503, body: { store: 'unavailable' } });
    const run = await until('the run to end', async () => {
      const r = await s.api('GET', `/runs/${runId}`);
      return r.status === 200 && r.body.status !== 'running' ? r.body : undefined;
    }, 120_000);
    expect(run.status).toBe('completed');
    expect(countsAddUp(run.counts as RunCounts)).toBe(true);
    const expected = expectedExport(profiles, ['A', 'B', 'C']);
    expect(new Set(simContacts(s.sim.sim, TEST_API_KEY).keys())).toEqual(new Set([...expected.contacts.keys(), ...expected.refused]));
  }, 180_000);
});
