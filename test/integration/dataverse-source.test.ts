import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../config/env';
import { buildTables, createDataverseSim, parseSimOptions, type DataverseSimControl, type DataverseSimOptionsInput } from '../../dataverse-sim';
import { countsAddUp, type ExportSettings, type FieldMapping } from '../../domain/export';
import { ErrorType } from '../../domain/errors';
import { listen } from '../../local-server/serve';
import { openDb, type Db } from '../../store/db';
import { toSettings } from '../../store/exports';
import { startWorker, type RunningWorker } from '../../worker/start-worker';
import { innermostFailure, until } from '../helpers/assertions';
import { historyText, recordHistories } from '../helpers/history';
import { startPostgres, type Postgres } from '../helpers/postgres';
import { startTestStack, TEST_API_KEY, workflowBundle, type TestRunHandle, type TestStack } from '../helpers/stack';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

/**
 * Runs whose profiles come from Customer Insights – Data: the real workflow on a real Temporal
 * server, workers reading the local Dataverse fake over HTTP, contacts checked at the Autopilot
 * simulator. Each test has a fake of its own (fresh counters, fresh tokens) and workers pointed at it.
 */
const TENANT_ID = '3f1c2b9a-0000-4000-8000-0000000000aa';
const CLIENT_ID = '6a2d9e1f-0000-4000-8000-0000000000bb';
const CLIENT_SECRET = 'Xq8~integration-secret-that-must-never-leak';
const CUSTOMERS = 30_000;
const MEMBERSHIPS = 'msdynci_segmentmemberships';
const MAPPING: FieldMapping = {
  email: 'emailaddress',
  firstName: 'FirstName', // matched to msdynci_firstname ignoring case, as Dataverse matches names
  lastName: 'lastname',
  fields: { 'string--City': 'city', 'string--Tier': 'contoso_loyaltytier' },
};

interface Fake {
  url: string;
  sim: DataverseSimControl;
  /** Membership page requests by page number (1: the first, without a cursor), whatever their answer. */
  pageReads(segmentId: string): Record<number, number>;
  close(): Promise<void>;
}

/**
 * The fake behind a thin wrapper that counts each membership page request by its paging cookie's
 * page number, and may act just before one of them is answered (e.g. expire every token).
 */
async function startFake(options: DataverseSimOptionsInput = {}, before?: (segment: string, page: number, sim: DataverseSimControl) => void): Promise<Fake> {
  const { app, sim } = createDataverseSim({ tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, demoCustomers: CUSTOMERS, ...options });
  const reads = new Map<string, Record<number, number>>();
  const listening = await listen((request) => {
    const url = new URL(request.url);
    if (url.pathname.endsWith(`/${MEMBERSHIPS}`)) {
      // The output name, its LIKE wildcards unescaped (`Newsletter[_]Subscribers`).
      const segment = (/"([^"]+)"/.exec(url.searchParams.get('$filter') ?? '')?.[1] ?? '').replace(/\[(.)\]/g, '$1');
      const page = Number(/pagenumber="(\d+)"/.exec(url.searchParams.get('$skiptoken') ?? '')?.[1] ?? 1);
      const counts = reads.get(segment) ?? {};
      counts[page] = (counts[page] ?? 0) + 1;
      reads.set(segment, counts);
      before?.(segment, page, sim);
    }
    return app.fetch(request);
  });
  return { url: listening.origin, sim, pageReads: (segment) => ({ ...reads.get(segment) }), close: listening.close };
}

const dataverseEnv = (fake: Fake, overrides: Record<string, string> = {}) => ({
  PROFILE_SOURCE: 'dataverse',
  DATAVERSE_URL: fake.url,
  DATAVERSE_AUTHORITY_URL: fake.url,
  DATAVERSE_ALLOWED_AUTHORITY_HOSTS: '127.0.0.1',
  DATAVERSE_TENANT_ID: TENANT_ID,
  DATAVERSE_CLIENT_ID: CLIENT_ID,
  DATAVERSE_CLIENT_SECRET: CLIENT_SECRET,
  ...overrides,
});

/** What the simulator should hold after a run of `segments`: each emailed member on its segment's list, with its fields. */
function expectedContacts(segments: string[]) {
  const { msdynci_customerprofiles: rows } = buildTables(parseSimOptions({ demoCustomers: CUSTOMERS }));
  const memberships = new Map(buildTables(parseSimOptions({ demoCustomers: CUSTOMERS })).msdynci_segmentmemberships.map((m) => [m.msdynci_customerid, JSON.parse(String(m.msdynci_segments)) as string[]]));
  const contacts = new Map<string, { FirstName: unknown; LastName: unknown; City: unknown; Tier: unknown; lists: string[] }>();
  let members = 0;
  for (const row of rows) {
    const lists = (memberships.get(row.msdynci_customerid) ?? []).filter((s) => segments.includes(s)).sort();
    if (lists.length === 0) continue;
    members++;
    if (!row.msdynci_emailaddress) continue;
    contacts.set(String(row.msdynci_emailaddress), { FirstName: row.msdynci_firstname, LastName: row.msdynci_lastname, City: row.msdynci_city, Tier: row.contoso_loyaltytier, lists });
  }
  return { contacts, members, withoutEmail: members - contacts.size };
}

describe('Customer Insights – Data as the profile source', () => {
  let postgres: Postgres;
  let db: Db;
  let stack: TestStack;
  let connectionId: string;
  const fakes: Fake[] = [];
  const workers: RunningWorker[] = [];
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    // PostgreSQL, so that a worker process (killed in one test) shares the store.
    postgres = await startPostgres();
    db = await openDb({ url: postgres.url });
    stack = await startTestStack({ db, inProcessWorkers: false });
    connectionId = (await stack.createConnection(TEST_API_KEY, 100)).id;
    await workflowBundle();
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await Promise.all(workers.map((w) => w.stop()));
    await Promise.all(fakes.map((f) => f.close()));
    await stack?.close();
    await db?.close();
    await postgres?.stop();
  });
  beforeEach(() => stack.sim.sim.reset());

  async function fake(options?: DataverseSimOptionsInput, before?: Parameters<typeof startFake>[1]): Promise<Fake> {
    const started = await startFake(options, before);
    fakes.push(started);
    return started;
  }

  /** Workers (the real composition root) reading `source`, on queues of their own. */
  async function dataverseWorkers(source: Fake, overrides: Record<string, string> = {}) {
    const suffix = randomUUID();
    const queues = { taskQueue: `dv-${suffix}` };
    const config = loadConfig({
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: queues.taskQueue,
      DESTINATION_QUEUE_RATE_LIMIT: '1000',
      DESTINATION_TIMEOUT_MS: '2000',
      ...dataverseEnv(source, overrides),
    });
    workers.push(await startWorker({ config, db, box: stack.box, autopilotBaseUrl: stack.sim.url, workflowBundle: await workflowBundle() }));
    return {
      start: (settings: ExportSettings): Promise<TestRunHandle> => stack.startRun(settings, {}, queues),
    };
  }

  /** The settings a run of a new export starts with, as the API (or a schedule) gives them under PROFILE_SOURCE=dataverse. */
  async function settingsFor(segmentIds: string[]): Promise<ExportSettings> {
    const created = await stack.createExport({ connectionId, segmentIds, mapping: MAPPING });
    return { ...toSettings({ ...created, connectionId }), source: 'dataverse' };
  }

  /** The simulator's contacts in the shape of {@link expectedContacts}. */
  function heldContacts() {
    return new Map(
      stack.sim.sim.contacts(TEST_API_KEY).map((c) => {
        const custom = Object.fromEntries(((c.custom_fields ?? []) as { kind: string; value: unknown }[]).map((f) => [f.kind, f.value]));
        return [String(c.Email), { FirstName: c.FirstName, LastName: c.LastName, City: custom.City, Tier: custom.Tier, lists: [...(c.list_titles ?? [])].sort() }];
      }),
    );
  }

  /** Every expected contact on exactly its lists with its fields, and nobody else. */
  function expectHeld(expected: ReturnType<typeof expectedContacts>) {
    const held = heldContacts();
    const wrong = [...expected.contacts].filter(([email, want]) => JSON.stringify(held.get(email)) !== JSON.stringify(want)).map(([email]) => email);
    expect(wrong.slice(0, 3)).toEqual([]);
    expect(held.size).toBe(expected.contacts.size);
  }

  async function storedRun(runId: string) {
    const [run] = await db.query<{ status: string; error: string | null }>('SELECT status, error FROM runs WHERE id = $1', [runId]);
    return run;
  }

  it('exports 12,000 members read over several pages, each contact on its lists with its fields, ids and counts only in history', async () => {
    const source = await fake();
    const run = await dataverseWorkers(source);
    const segments = ['Newsletter_Subscribers', 'High_Value_Customers'];
    const handle = await run.start(await settingsFor(segments));
    const { counts } = await handle.result();

    const expected = expectedContacts(segments);
    expect(expected.members).toBe(12_000);
    expect(counts).toEqual({ total: 12_000, exported: expected.contacts.size, pending: 0, skipped: { 'no email': expected.withoutEmail }, rejected: {} });
    expectHeld(expected);
    // Three pages of subscribers, one of high-value customers, each read once; no lookup repeated either.
    expect(source.pageReads('Newsletter_Subscribers')).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(source.pageReads('High_Value_Customers')).toEqual({ 1: 1 });
    expect(source.sim.stats()).toMatchObject({ repeatedPages: 0, unauthorized: 0, tokensIssued: 1 });
    const history = await historyText(stack.client, handle.workflowId);
    expect(history).not.toContain(CLIENT_SECRET);
    expect([...expected.contacts.keys()].slice(0, 200).filter((email) => history.includes(email))).toEqual([]);
    await recordHistories(stack.client, handle.workflowId, 'dataverse-pages');
  });

  it('refreshes a token that expires mid-run, without failing or reading anything twice', async () => {
    // Every token expires just before the second page of members is answered.
    const source = await fake({}, (_segment, page, sim) => page === 2 && sim.stats().unauthorized === 0 && sim.expireTokens());
    const run = await dataverseWorkers(source);
    const { counts } = await (await run.start(await settingsFor(['Newsletter_Subscribers']))).result();

    expect(source.sim.stats()).toMatchObject({ unauthorized: 1, tokensIssued: 2, repeatedPages: 0 });
    // Page 2 was asked for twice: refused with the lapsed token, then served with the new one.
    expect(source.pageReads('Newsletter_Subscribers')).toEqual({ 1: 1, 2: 2, 3: 1 });
    const expected = expectedContacts(['Newsletter_Subscribers']);
    expect(counts).toMatchObject({ total: 12_000, exported: expected.contacts.size, pending: 0 });
    expectHeld(expected);
    expect(stack.sim.sim.stats(TEST_API_KEY).upsertedContacts).toBe(expected.contacts.size);
  });

  it("waits out Dataverse's 429s as its Retry-After says: no request comes early", async () => {
    // 62 requests (the page, the columns, 60 lookups) at most 20 a second, when it would send 50 or more: throttled again and again.
    const source = await fake({ faults: { rateLimit: { requests: 20, windowMs: 1_000 } } });
    const run = await dataverseWorkers(source);
    const { counts } = await (await run.start(await settingsFor(['High_Value_Customers']))).result();

    const stats = source.sim.stats();
    console.log(`dataverse throttling: ${stats.requests} requests, ${stats.rateLimited} answered 429, ${stats.earlyRequests} early`);
    expect(stats.rateLimited).toBeGreaterThanOrEqual(2);
    expect(stats.earlyRequests).toBe(0);
    expect(stats.repeatedPages).toBe(0);
    expect(counts).toMatchObject({ total: 3_000, pending: 0 });
    expectHeld(expectedContacts(['High_Value_Customers']));
  });

  it('resumes reading from the last page read when the worker is killed while the plan reads pages', async () => {
    // At most 100 requests a second: a page (1 + 100 requests) takes a second or more, time to kill the worker in it.
    const source = await fake({ faults: { rateLimit: { requests: 100, windowMs: 1_000 } } });
    const env = { ...(await stack.workerEnv(postgres.url)), ...dataverseEnv(source) };
    const first = startWorkerProcess(env);
    processes.push(first);
    await first.ready;
    const handle = await stack.startRun(await settingsFor(['Newsletter_Subscribers']));
    await until('the second page of members requested', async () => (source.pageReads('Newsletter_Subscribers')[2] ? true : undefined));

    await first.kill('SIGKILL');
    const readAtKill = source.pageReads('Newsletter_Subscribers');
    const second = startWorkerProcess(env);
    processes.push(second);
    await second.ready;
    const { runId, counts } = await handle.result();

    console.log(`dataverse resume: killed with pages ${JSON.stringify(readAtKill)} requested; in all ${JSON.stringify(source.pageReads('Newsletter_Subscribers'))}`);
    // Pages read before the kill are not read again; the one in flight at most once more; the rest once.
    const inFlight = Math.max(...Object.keys(readAtKill).map(Number));
    expect(inFlight).toBeLessThan(3);
    const reads = source.pageReads('Newsletter_Subscribers');
    expect(Object.keys(reads).map(Number)).toEqual([1, 2, 3]);
    for (const [page, n] of Object.entries(reads)) expect([Number(page), n]).toEqual([Number(page), Number(page) === inFlight ? expect.any(Number) : 1]);
    expect(reads[inFlight]).toBeLessThanOrEqual(2);
    expect(countsAddUp(counts)).toBe(true);
    expect((await storedRun(runId)).status).toBe('completed');
    expectHeld(expectedContacts(['Newsletter_Subscribers']));
  });

  it('fails a run on a segment Customer Insights does not have at once, naming it', async () => {
    const source = await fake();
    const run = await dataverseWorkers(source);
    const handle = await run.start(await settingsFor(['High_Value_Customers', 'No_Such_Segment']));
    const failure = innermostFailure(await handle.result().then(() => undefined, (e: unknown) => e));

    expect(failure).toMatchObject({ type: ErrorType.ProfileSource, nonRetryable: true });
    expect(failure.message).toMatch(/Segment "No_Such_Segment" has no members in Customer Insights – Data/);
    expect(source.pageReads('No_Such_Segment')).toEqual({ 1: 1 });
    expect((await storedRun(handle.runId)).error).toContain('"No_Such_Segment"');
    expect(stack.sim.sim.stats(TEST_API_KEY).upserts).toBe(0);
  });

  it.each([
    ['an unknown tenant', { DATAVERSE_TENANT_ID: '00000000-0000-4000-8000-000000000bad' }, 'the tenant does not exist: check DATAVERSE_TENANT_ID'],
    ['a wrong client secret', { DATAVERSE_CLIENT_SECRET: 'wrong-secret-0123456789' }, 'the client secret is wrong: check DATAVERSE_CLIENT_SECRET'],
  ])('fails a run with %s at once, saying what to fix and naming no secret', async (_what, overrides, advice) => {
    const source = await fake();
    const run = await dataverseWorkers(source, overrides);
    const handle = await run.start(await settingsFor(['High_Value_Customers']));
    const failure = innermostFailure(await handle.result().then(() => undefined, (e: unknown) => e));

    expect(failure).toMatchObject({ type: ErrorType.ProfileSource, nonRetryable: true });
    expect(failure.message).toContain(advice);
    const { status, error } = await storedRun(handle.runId);
    expect(status).toBe('failed');
    expect(error).toContain(advice);
    // Asked once: a configuration problem is not retried.
    expect(source.sim.stats()).toMatchObject({ tokenRequests: 1, tokensIssued: 0, requests: 0 });
    const history = await historyText(stack.client, handle.workflowId);
    for (const secret of [CLIENT_SECRET, 'wrong-secret-0123456789']) {
      expect(history).not.toContain(secret);
      expect(error).not.toContain(secret);
    }
  });
});
