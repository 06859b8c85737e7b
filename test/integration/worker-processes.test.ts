import { countsAddUp } from '../../domain/export';
import { startOrttoSim } from '../../ortto-sim';
import { openDb, type Db } from '../../store/db';
import { toSettings } from '../../store/exports';
import { progressQuery } from '../../workflows';
import { simContacts, until } from '../helpers/assertions';
import { startPostgres, type Postgres } from '../helpers/postgres';
import { buildProfiles, expectedExport, loadProfiles } from '../helpers/profiles';
import { startTestStack, TEST_API_KEY, type TestStack } from '../helpers/stack';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

const profiles = buildProfiles(4_000);
const CONCURRENCY = 4;
const BATCH = 100;

/**
 * Workers as deployed: separate processes sharing Temporal and PostgreSQL. The simulator enforces
 * no limit here, so what it counts is the engine's own pacing.
 */
describe('worker processes', () => {
  let postgres: Postgres;
  let db: Db;
  let stack: TestStack;
  let workers: WorkerProcess[] = [];

  async function startWorkers(n: number) {
    const env = await stack.workerEnv(postgres.url);
    const started = Array.from({ length: n }, () => startWorkerProcess(env));
    workers.push(...started);
    await Promise.all(started.map((w) => w.ready));
  }

  beforeAll(async () => {
    postgres = await startPostgres();
    db = await openDb({ url: postgres.url });
    stack = await startTestStack({ db, inProcessWorkers: false, rateLimit: 5, sim: { rateLimit: 0, faults: { latencyMs: [20, 80], refuseEmails: '^refused-' } } });
    await loadProfiles(db, profiles);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await stack?.close();
    await db?.close();
    await postgres?.stop();
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    workers = [];
    stack.sim.sim.reset();
  });

  async function settingsFor(connectionId: string, segmentIds: string[]) {
    return toSettings({ ...(await stack.createExport({ connectionId, segmentIds })), connectionId });
  }

  it('keeps one key within 5 requests in any second across two processes and two concurrent exports', async () => {
    await startWorkers(2);
    const connection = await stack.createConnection();
    const settings = [await settingsFor(connection.id, ['A']), await settingsFor(connection.id, ['B', 'C'])];

    const results = await Promise.all(settings.map((s) => stack.run(s)));

    const stats = stack.sim.sim.stats(TEST_API_KEY);
    console.log(`rate budget: ${stats.requests} requests, at most ${stats.maxReceivedPerSecond} in any second, ${stats.rateLimited} answered 429`);
    for (const { counts } of results) expect(countsAddUp(counts)).toBe(true);
    expect(stats.upserts).toBeGreaterThan(30);
    expect(stats.maxReceivedPerSecond).toBeLessThanOrEqual(5);
  });

  it('completes a run whose only worker is SIGKILLed mid-run, sending again at most the batches in flight', async () => {
    await startWorkers(1);
    const connection = await stack.createConnection();
    const settings = await settingsFor(connection.id, ['A', 'B', 'C']);
    const handle = await stack.startRun(settings, { concurrency: CONCURRENCY });
    await until('a few batches', async () => ((await handle.query(progressQuery)).batchesDone >= 5 ? true : undefined));

    await workers[0].kill('SIGKILL');
    const sentAtKill = stack.sim.sim.stats(TEST_API_KEY).upsertedContacts;
    await startWorkers(1);
    const { runId, counts } = await handle.result();

    const [{ exported }] = await db.query<{ exported: number }>(
      "SELECT count(*)::int AS exported FROM run_item_status WHERE run_id = $1 AND status = 'exported'",
      [runId],
    );
    const duplicates = stack.sim.sim.stats(TEST_API_KEY).upsertedContacts - exported;
    console.log(`crash resume: killed after ${sentAtKill} contacts sent; ${duplicates} sent twice (bound ${CONCURRENCY * BATCH})`);
    expect(countsAddUp(counts)).toBe(true);
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY * BATCH);
    const expected = expectedExport(profiles, settings.segmentIds);
    expect(new Set(simContacts(stack.sim.sim, TEST_API_KEY).keys())).toEqual(new Set(expected.contacts.keys()));
  });

  it('completes an Ortto run whose only worker is SIGKILLed mid-run: every person tagged, at most the batches in flight sent again', async () => {
    const key = 'PRV-crash-key';
    const ortto = await startOrttoSim({ keys: [key], rateLimit: 0 });
    try {
      await startWorkers(1);
      const connection = await stack.connections.create({
        displayName: 'Ortto', type: 'ortto', apiKey: key, baseUrl: ortto.url, region: 'eu', usableBy: 'admins', requestsPerSecond: 10, createdBy: 'tester',
      });
      const settings = await settingsFor(connection.id, ['A', 'B', 'C']);
      const handle = await stack.startRun(settings, { concurrency: CONCURRENCY });
      await until('a few batches', async () => ((await handle.query(progressQuery)).batchesDone >= 5 ? true : undefined));

      await workers[0].kill('SIGKILL');
      await startWorkers(1);
      const { runId, counts } = await handle.result();

      expect(countsAddUp(counts)).toBe(true);
      // Memberships (a person once per segment, as a tag) merged, against those the run recorded as sent.
      const [{ exported }] = await db.query<{ exported: number }>(
        "SELECT count(*)::int AS exported FROM run_item_status WHERE run_id = $1 AND status = 'exported'",
        [runId],
      );
      const sentAgain = ortto.sim.stats(key).mergeSizes.reduce((a, b) => a + b, 0) - exported;
      console.log(`Ortto crash resume: ${sentAgain} memberships sent twice (bound ${CONCURRENCY * BATCH})`);
      expect(sentAgain).toBeLessThanOrEqual(CONCURRENCY * BATCH);
      const expected = expectedExport(profiles, settings.segmentIds, /(?!)/);
      const held = new Map(ortto.sim.people(key).map((p) => [p.email, [...p.tags].sort()]));
      expect(held).toEqual(new Map([...expected.contacts].map(([email, c]) => [email, c.lists])));
    } finally {
      await ortto.close();
    }
  });
});
