import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createRunLauncher } from '../../../api/run-launcher';
import { INTERACTIVE_SOURCE_TUNING } from '../../../api/source-errors';
import { startDataverseSim, type RunningDataverseSim } from '../../../dataverse-sim';
import type { ExportSettings } from '../../../domain/export';
import type { RunExportInput } from '../../../workflows';
import { createOutboundPolicy } from '../../../outbound/policy';
import { createProfileSource, Secret, type ProfileSource } from '../../../profiles-source';
import type { Db } from '../../../store/db';
import { CLIENT_ID, CLIENT_SECRET, TENANT_ID, testCustomers } from '../profiles-source/fixtures';
import { createConnection } from './fixtures';
import { createHarness, HARNESS_TIMEOUT, json, type Harness } from './harness';

/**
 * The API over Customer Insights – Data (the local fake): segments and attributes listed from it,
 * exports checked against it, and its failures as HTTP answers (503 with Retry-After, or 502).
 */
let fake: RunningDataverseSim;
let h: Harness;
const sources: ProfileSource[] = [];
/** The source the app reads now; a test may point it elsewhere (a wrong secret, an address nobody serves). */
let current: ProfileSource;

function dataverse(url: string, clientSecret = CLIENT_SECRET): ProfileSource {
  const source = createProfileSource(
    { kind: 'dataverse', organizationUrl: url, authorityUrl: url, tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: new Secret(clientSecret) },
    { db: undefined as unknown as Db, outbound: createOutboundPolicy(['127.0.0.1']), dataverse: INTERACTIVE_SOURCE_TUNING },
  );
  sources.push(source);
  return source;
}

const swappable: ProfileSource = {
  kind: 'dataverse',
  listSegments: (signal) => current.listSegments(signal),
  readMembers: (segmentId, cursor, pageSize, signal) => current.readMembers(segmentId, cursor, pageSize, signal),
  fetchProfiles: (ids, options) => current.fetchProfiles(ids, options),
  listProfileFields: (signal) => current.listProfileFields(signal),
  close: async () => undefined,
};

beforeAll(async () => {
  fake = await startDataverseSim({ tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, customers: testCustomers(23) });
  h = await createHarness({ profiles: swappable });
}, HARNESS_TIMEOUT);
beforeEach(async () => {
  await h.reset();
  current = dataverse(fake.url);
  fake.sim.setFaults({ rateLimit: null });
});
afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await h?.close();
  await fake?.close();
});

const DATAVERSE_MAPPING = { email: 'EmailAddress', firstName: 'FirstName', fields: { 'string--Tier': 'contoso_tier' } };
const exportOf = (connectionId: string, overrides: Record<string, unknown> = {}) => ({
  displayName: 'Dataverse to Autopilot',
  connectionId,
  segmentIds: ['Odd'],
  mapping: DATAVERSE_MAPPING,
  ...overrides,
});

describe('GET /segments and /profile-fields over Customer Insights – Data', () => {
  it('lists its segments by output name with member counts, and its attributes', async () => {
    expect(await json(await h.call('contributor', 'GET', '/segments'))).toEqual({
      segments: [
        { id: 'All', name: 'All', profileCount: 23 },
        { id: 'Odd', name: 'Odd', profileCount: 12 },
      ],
    });
    expect(await json(await h.call('contributor', 'GET', '/profile-fields'))).toEqual({
      fields: [
        { name: 'contoso_tier', profileCount: null },
        { name: 'emailaddress', profileCount: null },
        { name: 'firstname', profileCount: null },
      ],
    });
  });

  it('answers 503 with Retry-After while Dataverse cannot be reached', async () => {
    current = dataverse('http://127.0.0.1:9');
    const res = await h.call('admin', 'GET', '/segments');
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await json(res)).error.code).toBe('profile_source_unavailable');
  });

  it("passes Dataverse's Retry-After on when it throttles longer than the API waits", async () => {
    fake.sim.setFaults({ rateLimit: { requests: 1, windowMs: 30_000 } });
    expect((await h.call('admin', 'GET', '/segments')).status).toBe(200);
    const res = await h.call('admin', 'GET', '/profile-fields');
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(25);
  });

  it('answers 503 at once, with what is left of the wait, while an earlier request is throttled', async () => {
    fake.sim.setFaults({ rateLimit: { requests: 1, windowMs: 30_000 } });
    expect((await h.call('admin', 'GET', '/segments')).status).toBe(200);
    expect((await h.call('admin', 'GET', '/profile-fields')).status).toBe(503); // Dataverse's 429 of about 30 s
    const sent = fake.sim.stats().requests;

    // The listing read before the 429 is still fresh: answered without asking Dataverse.
    expect((await h.call('contributor', 'GET', '/segments')).status).toBe(200);
    // Without a limit on the hold, this waits out the whole 30 s before sending anything.
    const started = Date.now();
    const res = await h.call('contributor', 'GET', '/profile-fields');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(res.status).toBe(503);
    expect((await json(res)).error.code).toBe('profile_source_unavailable');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(15);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(fake.sim.stats()).toMatchObject({ requests: sent, earlyRequests: 0 });
  });

  it('lists from one scan for callers at the same time, and from none again within the cache window', async () => {
    const listingReads = () => fake.sim.stats().byTable.msdynci_segmentmemberships ?? 0;
    const before = listingReads();
    const answers = await Promise.all((['admin', 'contributor', 'admin', 'contributor'] as const).map((who) => h.call(who, 'GET', '/segments')));
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 200]);
    expect(listingReads() - before).toBe(1);
    expect((await json(await h.call('admin', 'GET', '/segments'))).segments).toHaveLength(2);
    expect(listingReads() - before).toBe(1);
  });

  it('says when the list is truncated (the API scans fewer pages than the default)', async () => {
    expect(INTERACTIVE_SOURCE_TUNING.listScanPages).toBeLessThan(200);
    const truncated = { segments: [{ id: 'All', name: 'All', profileCount: null }], truncated: true };
    current = Object.assign(dataverse(fake.url), { listSegments: async () => truncated });
    expect(await json(await h.call('admin', 'GET', '/segments'))).toEqual(truncated);
  });

  it('answers 502 saying what to fix when Dataverse refuses the credentials, naming no secret', async () => {
    current = dataverse(fake.url, 'not-the-secret-0123456789');
    const res = await h.call('admin', 'GET', '/profile-fields');
    expect(res.status).toBe(502);
    const { error } = await json(res);
    expect(error.code).toBe('profile_source_error');
    expect(error.message).toContain('check DATAVERSE_CLIENT_SECRET');
    expect(JSON.stringify(error)).not.toContain('not-the-secret-0123456789');
    expect(JSON.stringify(error)).not.toContain(CLIENT_SECRET);
  });
});

describe('POST and PATCH /exports over Customer Insights – Data', () => {
  let connectionId: string;
  beforeEach(async () => {
    connectionId = await createConnection(h);
  });

  it('accepts its segments and attributes (matched ignoring case, as Dataverse does)', async () => {
    const res = await h.call('admin', 'POST', '/exports', exportOf(connectionId, { segmentIds: ['Odd', 'All'] }));
    expect(res.status).toBe(201);
  });

  it('names a segment it does not have, and an attribute no profile has', async () => {
    const res = await h.call('admin', 'POST', '/exports', exportOf(connectionId, {
      segmentIds: ['Odd', 'Ghosts'],
      mapping: { ...DATAVERSE_MAPPING, lastName: 'msdynci_lastname' },
    }));
    expect(res.status).toBe(400);
    const issues = (await json(res)).error.details.issues.map((i: { path: unknown[]; message: string }) => [i.path, i.message]);
    expect(issues).toEqual([
      [['segmentIds', 1], 'no segment "Ghosts"'],
      [['mapping', 'lastName'], 'no profile has the attribute "msdynci_lastname"'],
    ]);
  });

  it('answers 503 instead of saving when Dataverse cannot be reached to check', async () => {
    const created = await json(await h.call('admin', 'POST', '/exports', exportOf(connectionId)));
    current = dataverse('http://127.0.0.1:9');
    const res = await h.call('admin', 'PATCH', `/exports/${created.id}`, { segmentIds: ['All'] });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).not.toBeNull();
    expect((await json(await h.call('admin', 'GET', `/exports/${created.id}`))).segmentIds).toEqual(['Odd']);
  });
});

describe('run launcher', () => {
  it("records the deployment's profile source in the settings of each run it starts", async () => {
    const started: RunExportInput[] = [];
    const client = {
      connection: { withDeadline: <T>(_deadline: number, call: () => Promise<T>) => call() },
      workflow: {
        start: async (_workflow: unknown, options: { args: [RunExportInput] }) => {
          started.push(options.args[0]);
          return { firstExecutionRunId: 'run-1' };
        },
      },
    } as unknown as Client;
    const settings: ExportSettings = { exportId: 'e1', connectionId: 'c1', segmentIds: ['Odd'], mapping: DATAVERSE_MAPPING, profileLimit: 10, onLimitExceeded: 'fail' };
    const labels = { exportName: 'E', connectionName: 'C' };
    const trigger = { kind: 'manual' as const, by: 'alice' };

    await createRunLauncher({ client, db: h.db, taskQueue: 'q', source: 'dataverse' }).start({ runId: randomUUID(), export: settings, request: {} }, trigger, labels);
    await createRunLauncher({ client, db: h.db, taskQueue: 'q' }).start({ runId: randomUUID(), export: settings, request: {} }, trigger, labels);

    expect(started.map((input) => input.source)).toEqual(['dataverse', 'builtin']);
  });
});
