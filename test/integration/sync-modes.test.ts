import { countsAddUp, sumValues, type RunCounts } from '../../domain/export';
import { openDb, type Db } from '../../store/db';
import { toSettings } from '../../store/exports';
import { importProfiles } from '../../store/profiles';
import { progressQuery } from '../../workflows';
import { exportWorkflowId } from '../../domain/ids';
import { startApiStack, type ApiStack } from '../helpers/api-stack';
import { recordHistories } from '../helpers/history';
import { simContacts, until } from '../helpers/assertions';
import { startPostgres, type Postgres } from '../helpers/postgres';
import { startTestStack, TEST_API_KEY, type TestStack } from '../helpers/stack';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

const email = (segment: string, i: number) => `${segment.toLowerCase()}-${i}@example.com`;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

interface Member {
  /** Its number in the segment: id `<segment>-<i>`, email `<segment>-<i>@example.com`. */
  i: number;
  segments: string[];
  first?: string;
}

/** Imports members of `segment` (re-importing one replaces it: new fields, new segments). */
async function importMembers(db: Db, segment: string, members: Member[]): Promise<void> {
  const result = await importProfiles(db, (async function* () {
    for (const m of members) {
      yield JSON.stringify({ id: `${segment}-${m.i}`, segments: m.segments, EmailAddress: email(segment, m.i), FirstName: m.first ?? `F${m.i}`, LastName: 'Sync' });
    }
  })());
  expect(result.rejected).toBe(0);
}

/**
 * The simulator forgets its contacts and counters, and keeps its lists (emptied, same ids), so what
 * it holds afterwards is what the next run sends: an incremental run sends again to a list that is gone.
 */
const keepingLists = (sim: ApiStack['sim'] | TestStack['sim']) => sim.sim.reset({ keepLists: true });

/** What the simulator holds, by lower-cased email: first name and list titles. */
const held = (sim: ApiStack['sim'] | TestStack['sim']) => new Map([...simContacts(sim.sim, TEST_API_KEY)].map(([e, c]) => [e, { first: c.FirstName, lists: c.lists }]));

describe('incremental runs, dry runs and re-drives, through the API', () => {
  let s: ApiStack;
  let connectionId: string;

  beforeAll(async () => {
    s = await startApiStack();
    const connection = await s.api('POST', '/connections', {
      displayName: 'Sim', apiKey: TEST_API_KEY, usableBy: 'admins', privacyConsent: true, baseUrl: s.sim.url, requestsPerSecond: 50,
    });
    expect(connection.status).toBe(201);
    connectionId = connection.body.id;
  });
  afterAll(() => s?.close());
  afterEach(() => s.sim.sim.setFaults({ refuseEmails: undefined }));

  /** An export of the segments, incremental (the default for a new export). */
  async function createExport(segmentIds: string[]): Promise<string> {
    const created = await s.api('POST', '/exports', {
      displayName: `Sync ${segmentIds.join('+')}`, connectionId, segmentIds, mapping: { email: 'EmailAddress', firstName: 'FirstName', lastName: 'LastName' },
    });
    expect(created.status).toBe(201);
    expect(created.body.mode).toBe('incremental');
    return created.body.id;
  }

  /** Starts a run (the previous one's workflow may still be closing for a moment after its record did: 409). */
  async function start(path: string, body?: unknown): Promise<string> {
    const started = await until('a run to start', async () => {
      const res = await s.api('POST', path, body);
      return res.status === 409 && res.body.error.code === 'run_in_progress' ? undefined : res;
    });
    expect(started.status).toBe(202);
    return started.body.runId;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the run as the API answers it
  async function finished(runId: string): Promise<any> {
    const run = await until('the run to end', async () => {
      const { body } = await s.api('GET', `/runs/${runId}`);
      return body.status === 'running' ? undefined : body;
    }, 90_000);
    expect(run.status).toBe('completed');
    expect(countsAddUp(run.counts as RunCounts)).toBe(true);
    return run;
  }

  const runToEnd = async (exportId: string, body?: unknown) => finished(await start(`/exports/${exportId}/runs`, body));
  const upserts = () => s.sim.sim.stats(TEST_API_KEY).upserts;

  it('sends nothing the second time; then exactly the 3 profiles changed and the 2 members added', async () => {
    await importMembers(s.db, 'Inc', range(1, 150).map((i) => ({ i, segments: i % 3 === 0 ? ['Inc', 'IncB'] : ['Inc'] })));
    const exportId = await createExport(['Inc', 'IncB']);
    const first = await runToEnd(exportId);
    expect(first).toMatchObject({ mode: 'incremental', counts: { total: 150, exported: 150 } });
    expect(held(s.sim).size).toBe(150);

    // Nothing changed: no upsert at all, every profile accounted for as unchanged.
    keepingLists(s.sim);
    const second = await runToEnd(exportId);
    expect(upserts()).toBe(0);
    expect(s.sim.sim.contacts(TEST_API_KEY)).toEqual([]);
    // One request: the key's check, which finds the lists.
    expect(s.sim.sim.stats(TEST_API_KEY).byPath).toEqual({ 'GET /lists': 1 });
    expect(second).toMatchObject({ mode: 'incremental', counts: { total: 150, exported: 0, pending: 0, skipped: { unchanged: 150 }, rejected: {} } });

    // 3 changed (one of them in both segments), 2 new (one in both).
    await importMembers(s.db, 'Inc', [
      { i: 7, segments: ['Inc'], first: 'Changed7' },
      { i: 30, segments: ['Inc', 'IncB'], first: 'Changed30' },
      { i: 101, segments: ['Inc'], first: 'Changed101' },
      { i: 151, segments: ['Inc'] },
      { i: 153, segments: ['Inc', 'IncB'] },
    ]);
    keepingLists(s.sim);
    const third = await runToEnd(exportId);

    expect(held(s.sim)).toEqual(new Map([
      [email('Inc', 7), { first: 'Changed7', lists: ['Inc'] }],
      [email('Inc', 30), { first: 'Changed30', lists: ['Inc', 'IncB'] }],
      [email('Inc', 101), { first: 'Changed101', lists: ['Inc'] }],
      [email('Inc', 151), { first: 'F151', lists: ['Inc'] }],
      [email('Inc', 153), { first: 'F153', lists: ['Inc', 'IncB'] }],
    ]));
    expect(s.sim.sim.stats(TEST_API_KEY).upsertedContacts).toBe(7);
    expect(third.counts).toEqual({ total: 152, exported: 5, pending: 0, skipped: { unchanged: 147 }, rejected: {} });
  });

  it('sends again what it had delivered to a list deleted in Autopilot, to the list it makes again', async () => {
    await importMembers(s.db, 'Del', range(1, 40).map((i) => ({ i, segments: i % 4 === 0 ? ['Del', 'DelB'] : ['Del'] })));
    const exportId = await createExport(['Del', 'DelB']);
    await runToEnd(exportId);
    const listOf = (title: string) => s.sim.sim.lists(TEST_API_KEY).find((l) => l.title === title);
    const deleted = listOf('DelB')!;
    expect(deleted.total_contacts).toBe(10);
    expect(s.sim.sim.deleteList(TEST_API_KEY, deleted.list_id)).toBe(true);
    const before = s.sim.sim.stats(TEST_API_KEY).upsertedContacts;

    const second = await runToEnd(exportId);

    // The ten members of DelB are on a new DelB list; their Del memberships, still held, are not sent again.
    expect(listOf('DelB')).toMatchObject({ total_contacts: 10 });
    expect(listOf('DelB')!.list_id).not.toBe(deleted.list_id);
    expect(listOf('Del')).toMatchObject({ total_contacts: 40 });
    expect(s.sim.sim.stats(TEST_API_KEY).upsertedContacts - before).toBe(10);
    expect(second.counts).toEqual({ total: 40, exported: 10, pending: 0, skipped: { unchanged: 30 }, rejected: {} });
    for (const i of range(1, 10)) expect(held(s.sim).get(email('Del', 4 * i))?.lists.sort()).toEqual(['Del', 'DelB']);
  });

  it('reports in a dry run the numbers the following real run produces, sending nothing meanwhile', async () => {
    await importMembers(s.db, 'Dry', range(1, 120).map((i) => ({ i, segments: ['Dry'] })));
    const exportId = await createExport(['Dry']);
    await runToEnd(exportId);
    await importMembers(s.db, 'Dry', [...range(1, 4).map((i) => ({ i, segments: ['Dry'], first: `New${i}` })), ...range(121, 126).map((i) => ({ i, segments: ['Dry'] }))]);
    keepingLists(s.sim);

    const dry = await runToEnd(exportId, { dryRun: true });

    expect(upserts()).toBe(0);
    expect(s.sim.sim.contacts(TEST_API_KEY)).toEqual([]);
    // Nothing beyond the key check (which finds the lists): no list made, no contact sent.
    expect(Object.keys(s.sim.sim.stats(TEST_API_KEY).byPath)).toEqual(['GET /lists']);
    expect(dry).toMatchObject({ dryRun: true, mode: 'incremental', counts: { total: 126, exported: 0, pending: 10, skipped: { unchanged: 116 } } });
    expect(dry.plan).toMatchObject({ toAdd: 6, toUpdate: 4, unchanged: 116, toRemove: 0, skipped: {} });
    expect(dry.plan.examples.toUpdate.map((e: { email: string }) => e.email)).toEqual(range(1, 4).map((i) => email('Dry', i)));
    expect(dry.plan.examples.unchanged).toHaveLength(20);
    const listed = (await s.api('GET', `/exports/${exportId}/runs`)).body.runs;
    expect(listed[0]).toMatchObject({ id: dry.id, dryRun: true, mode: 'incremental' });

    // The dry run changed no sync state: the real run finds the same.
    const real = await runToEnd(exportId);
    expect(real.counts).toEqual({ ...dry.counts, exported: dry.counts.pending, pending: 0 });
    expect(s.sim.sim.stats(TEST_API_KEY).upsertedContacts).toBe(dry.plan.toAdd + dry.plan.toUpdate);
    expect([...held(s.sim).keys()].sort()).toEqual([...range(1, 4), ...range(121, 126)].map((i) => email('Dry', i)).sort());
    expect(real).toMatchObject({ dryRun: false, plan: null });
    // Its first (full), the dry and the incremental run.
    await recordHistories(s.client, exportWorkflowId(exportId), 'incremental-dry-run');
  });

  it('re-drives only the profiles a run had rejected, with the current mapping, in full mode', async () => {
    await importMembers(s.db, 'Redo', range(1, 60).map((i) => ({ i, segments: ['Redo'] })));
    const exportId = await createExport(['Redo']);
    const refused = [5, 17, 42].map((i) => email('Redo', i));
    s.sim.sim.setFaults({ refuseEmails: refused });
    const first = await runToEnd(exportId);
    expect(first.counts).toMatchObject({ exported: 57, rejected: { 'refused by Autopilot': 3 } });
    s.sim.sim.setFaults({ refuseEmails: undefined });
    // The mapping changes meanwhile: the re-drive sends with the new one.
    expect((await s.api('PATCH', `/exports/${exportId}`, { mapping: { email: 'EmailAddress', firstName: 'LastName' } })).status).toBe(200);
    keepingLists(s.sim);

    const redriveId = await start(`/runs/${first.id}/redrive`);
    const redrive = await finished(redriveId);

    expect(redrive).toMatchObject({ redriveOf: first.id, mode: 'full', counts: { total: 3, exported: 3, pending: 0, skipped: {}, rejected: {} } });
    expect(held(s.sim)).toEqual(new Map(refused.map((e) => [e, { first: 'Sync', lists: ['Redo'] }])));
    // Nothing left to re-drive in the re-drive itself.
    const again = await s.api('POST', `/runs/${redriveId}/redrive`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('nothing_to_redrive');
  });

  it('parks a profile Autopilot refused in three runs in a row, and a re-drive sends it', async () => {
    await importMembers(s.db, 'Park', range(1, 10).map((i) => ({ i, segments: ['Park'] })));
    const exportId = await createExport(['Park']);
    s.sim.sim.setFaults({ refuseEmails: [email('Park', 3)] });
    for (let k = 0; k < 3; k++) expect((await runToEnd(exportId)).counts.rejected).toEqual({ 'refused by Autopilot': 1 });
    s.sim.sim.setFaults({ refuseEmails: undefined });
    keepingLists(s.sim);

    const parked = await runToEnd(exportId);

    expect(upserts()).toBe(0);
    expect(parked.counts.skipped).toEqual({ unchanged: 9, 'rejected before': 1 });
    const outcomes = (await s.api('GET', `/runs/${parked.id}/outcomes?status=skipped`)).body.outcomes;
    expect(outcomes).toEqual([expect.objectContaining({ profileId: 'Park-3', reason: 'rejected before', email: email('Park', 3) })]);
    const redrive = await finished(await start(`/runs/${parked.id}/redrive`));
    expect(redrive.counts).toMatchObject({ total: 1, exported: 1 });
    expect([...held(s.sim).keys()]).toEqual([email('Park', 3)]);
  });
});

/**
 * Workers as deployed (processes sharing PostgreSQL): the only one is SIGKILLed in the middle of an
 * incremental run. The sync state may claim only what Autopilot received, and no change is lost.
 */
describe('an incremental run whose worker is SIGKILLed', () => {
  let postgres: Postgres;
  let db: Db;
  let stack: TestStack;
  const workers: WorkerProcess[] = [];

  async function startWorkers() {
    const worker = startWorkerProcess(await stack.workerEnv(postgres.url));
    workers.push(worker);
    await worker.ready;
  }

  beforeAll(async () => {
    postgres = await startPostgres();
    db = await openDb({ url: postgres.url });
    stack = await startTestStack({ db, inProcessWorkers: false, rateLimit: 10, sim: { rateLimit: 0, faults: { latencyMs: [30, 60] } } });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await stack?.close();
    await db?.close();
    await postgres?.stop();
  });

  it('neither loses a change nor records as delivered one Autopilot did not receive', async () => {
    await startWorkers();
    const members = range(1, 3_000).map((i) => ({ i, segments: i % 4 === 0 ? ['Crash', 'CrashB'] : ['Crash'] }));
    await importMembers(db, 'Crash', members);
    // 4 requests a second: the run lasts long enough to be killed in its middle.
    const connection = await stack.createConnection(TEST_API_KEY, 4);
    const e = await stack.createExport({ connectionId: connection.id, segmentIds: ['Crash', 'CrashB'] });
    const settings = toSettings({ ...e, connectionId: connection.id });
    expect((await stack.run(settings)).counts).toMatchObject({ total: 3_000, exported: 3_000 });

    // A third of them change; only what this run sends reaches the (reset) simulator.
    const changed = members.filter((m) => m.i % 3 === 0).map((m) => ({ ...m, first: `Changed${m.i}` }));
    const changedDeliveries = changed.reduce((n, m) => n + m.segments.length, 0);
    await importMembers(db, 'Crash', changed);
    keepingLists(stack.sim);
    const handle = await stack.startRun(settings, { concurrency: 2, batchesPerActivity: 2 });
    await until('a few batches', async () => ((await handle.query(progressQuery)).batchesDone >= 3 ? true : undefined));
    await workers[0].kill('SIGKILL');
    const [{ runId }] = await db.query<{ runId: string }>('SELECT id AS "runId" FROM runs WHERE workflow_id = $1', [handle.workflowId]);

    // Killed: what the sync state says this run delivered, Autopilot holds, as delivered.
    const claimed = await db.query<{ email: string; segment: string }>(
      "SELECT email, segment_id AS segment FROM sync_state WHERE export_id = $1 AND run_id = $2 AND status = 'exported'",
      [settings.exportId, runId],
    );
    const atKill = held(stack.sim);
    expect(claimed.length).toBeGreaterThan(0);
    expect(claimed.length).toBeLessThan(changedDeliveries);
    for (const { email: e, segment } of claimed) {
      expect(atKill.get(e.toLowerCase())?.lists).toContain(segment);
      expect(atKill.get(e.toLowerCase())?.first).toMatch(/^Changed/);
    }

    await startWorkers();
    const { counts } = await handle.result();
    expect(counts).toMatchObject({ total: 3_000, exported: changed.length, pending: 0, rejected: {}, skipped: { unchanged: 3_000 - changed.length } });
    expect(countsAddUp(counts)).toBe(true);
    // No change lost: Autopilot holds every changed contact with its new fields, on each of its lists.
    const after = held(stack.sim);
    for (const m of changed) expect(after.get(email('Crash', m.i))).toEqual({ first: m.first, lists: m.segments.slice().sort() });
    expect(sumValues(counts.rejected)).toBe(0);

    // And the sync state is whole: the next run finds nothing to send.
    const upsertsBefore = stack.sim.sim.stats(TEST_API_KEY).upserts;
    const next = await stack.run(settings);
    expect(stack.sim.sim.stats(TEST_API_KEY).upserts).toBe(upsertsBefore);
    expect(next.counts).toMatchObject({ exported: 0, skipped: { unchanged: 3_000 } });
  });
});
