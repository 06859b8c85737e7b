import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { asMapped, createSourceActivities, toSourceFailure, type ReadSourcePageInput, type ReadSourcePageResult } from '../../../activities/source';
import { startDataverseSim, type RunningDataverseSim } from '../../../dataverse-sim';
import { ErrorType } from '../../../domain/errors';
import { createOutboundPolicy } from '../../../outbound/policy';
import { BuiltinProfileSource, createProfileSource, ProfileSourceError, Secret, type ProfileSource } from '../../../profiles-source';
import { openDb, type Db } from '../../../store/db';
import { stagedCounts } from '../../../store/source-stage';

const TENANT_ID = '3f1c2b9a-0000-4000-8000-0000000000aa';
const CLIENT_ID = '6a2d9e1f-0000-4000-8000-0000000000bb';
const SECRET = 'Xq8~sEcReT-value-that-must-never-leak';
const RUN = 'run-1';
const FIELDS = ['EmailAddress', 'firstname', 'contoso_loyaltytier'];

let db: Db;
let fake: RunningDataverseSim;
let source: ProfileSource;

function dataverse(overrides: { tenantId?: string; clientSecret?: string } = {}): ProfileSource {
  return createProfileSource(
    {
      kind: 'dataverse',
      organizationUrl: fake.url,
      authorityUrl: fake.url,
      tenantId: overrides.tenantId ?? TENANT_ID,
      clientId: CLIENT_ID,
      clientSecret: new Secret(overrides.clientSecret ?? SECRET),
    },
    { db, outbound: createOutboundPolicy(['127.0.0.1']), dataverse: { retryBaseDelayMs: 5, timeoutMs: 5_000 } },
  );
}

/** Runs the activity as a worker would, counting its heartbeats. */
async function readPage(input: Partial<ReadSourcePageInput> & { segmentId: string }, from: ProfileSource = source) {
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  let heartbeats = 0;
  env.on('heartbeat', () => heartbeats++);
  const { readSourcePage } = createSourceActivities({ db, source: from });
  const result: ReadSourcePageResult = await env.run(readSourcePage, { runId: RUN, cursor: null, fields: FIELDS, ...input });
  return { ...result, heartbeats };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

beforeAll(async () => {
  db = await openDb();
}, 60_000);
afterAll(() => db.close());
beforeEach(async () => {
  // 12,500 demo customers: 5,000 in Newsletter_Subscribers (one full page), 1,250 High_Value_Customers among them.
  fake = await startDataverseSim({ tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: SECRET, demoCustomers: 12_500 });
  source = dataverse();
  await db.exec('TRUNCATE run_source_members, run_source_profiles');
});
afterEach(async () => {
  await source.close();
  await fake.close();
});

describe('readSourcePage', () => {
  it('stages a page of members and their mapped attributes, keyed as the mapping names them', async () => {
    const page = await readPage({ segmentId: 'High_Value_Customers' });

    expect(page).toMatchObject({ members: 1_250, fetched: 1_250, nextCursor: null });
    expect(await stagedCounts(db, RUN)).toEqual({ members: 1_250, profiles: 1_250 });
    const [row] = await db.query<{ attributes: Record<string, unknown> }>(
      'SELECT attributes FROM run_source_profiles WHERE run_id = $1 ORDER BY profile_id LIMIT 1',
      [RUN],
    );
    // EmailAddress matched msdynci_emailaddress ignoring case; unmapped columns (city) are not read.
    expect(Object.keys(row.attributes).sort()).toEqual(['EmailAddress', 'contoso_loyaltytier', 'firstname']);
    expect(page.heartbeats).toBeGreaterThan(0);
  });

  it('stages nothing twice: a page read again, or a member of an earlier segment, is not fetched again', async () => {
    const first = await readPage({ segmentId: 'High_Value_Customers' });
    const again = await readPage({ segmentId: 'High_Value_Customers' });
    const overlapping = await readPage({ segmentId: 'Newsletter_Subscribers' });

    expect(again).toMatchObject({ members: first.members, fetched: 0 });
    // Every High_Value customer (i % 10 = 0) is also a subscriber (i % 5 < 2).
    expect(overlapping).toMatchObject({ members: 5_000, fetched: 5_000 - 1_250, nextCursor: null });
    expect(await stagedCounts(db, RUN)).toEqual({ members: 6_250, profiles: 5_000 });
  });

  it('follows the cursor it returned, page after page, to the same members as one read', async () => {
    const small = await startDataverseSim({ tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: SECRET, demoCustomers: 30_000 });
    const big = createProfileSource(
      { kind: 'dataverse', organizationUrl: small.url, authorityUrl: small.url, tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: new Secret(SECRET) },
      { db, outbound: createOutboundPolicy(['127.0.0.1']) },
    );
    try {
      const pages: number[] = [];
      for (let cursor: string | null = null, n = 0; n === 0 || cursor; n++) {
        const page = await readPage({ segmentId: 'Newsletter_Subscribers', cursor, fields: ['emailaddress'] }, big);
        pages.push(page.members);
        cursor = page.nextCursor;
      }
      expect(pages).toEqual([5_000, 5_000, 2_000]);
      expect(await stagedCounts(db, RUN)).toEqual({ members: 12_000, profiles: 12_000 });
      expect(small.sim.stats()).toMatchObject({ repeatedPages: 0, tokensIssued: 1 });
    } finally {
      await big.close();
      await small.close();
    }
  });

  it('fails an unknown segment at once, non-retryable, naming it', async () => {
    const failure = await failureOf(readPage({ segmentId: 'No_Such_Segment' }));
    expect(failure).toMatchObject({ nonRetryable: true, type: ErrorType.ProfileSource });
    expect(failure.message).toContain('"No_Such_Segment"');
    expect(await stagedCounts(db, RUN)).toEqual({ members: 0, profiles: 0 });
  });

  it.each([
    ['an unknown tenant', { tenantId: '00000000-0000-4000-8000-000000000bad' }, /tenant does not exist: check DATAVERSE_TENANT_ID/],
    ['a wrong secret', { clientSecret: 'wrong-secret-value' }, /client secret is wrong: check DATAVERSE_CLIENT_SECRET/],
  ])('fails %s at once, non-retryable, saying what to fix and naming no secret', async (_what, overrides, expected) => {
    const bad = dataverse(overrides);
    try {
      const failure = await failureOf(readPage({ segmentId: 'High_Value_Customers' }, bad));
      expect(failure).toMatchObject({ nonRetryable: true, type: ErrorType.ProfileSource });
      expect(failure.message).toMatch(expected);
      expect(failure.message).not.toContain(SECRET);
      expect(failure.message).not.toContain('wrong-secret-value');
      expect(fake.sim.stats().tokenRequests).toBe(1);
    } finally {
      await bad.close();
    }
  });

  it('heartbeats while the client waits out a Retry-After', async () => {
    // 10 requests per 2 s for the 27 of this page (members, columns, 25 lookups): two waits of about 2 s.
    fake.sim.setFaults({ rateLimit: { requests: 10, windowMs: 2_000 } });
    const started = Date.now();
    const page = await readPage({ segmentId: 'High_Value_Customers', fields: ['emailaddress'] }, source);
    const waitedMs = Date.now() - started;

    expect(page.members).toBe(1_250);
    expect(fake.sim.stats()).toMatchObject({ earlyRequests: 0 });
    expect(fake.sim.stats().rateLimited).toBeGreaterThan(0);
    // At least one heartbeat per second of waiting, not only at the start.
    expect(waitedMs).toBeGreaterThan(3_000);
    expect(page.heartbeats).toBeGreaterThanOrEqual(Math.floor(waitedMs / 1_000));
  });

  it('refuses to run on a worker that reads the built-in store', async () => {
    const failure = await failureOf(readPage({ segmentId: 'VIP' }, new BuiltinProfileSource(db)));
    expect(failure).toMatchObject({ nonRetryable: true });
    expect(failure.message).toContain('PROFILE_SOURCE=dataverse');
  });
});

describe('toSourceFailure', () => {
  it("turns a Retry-After into the next attempt's delay, and other transient failures into retryable ones", () => {
    const throttled = toSourceFailure(new ProfileSourceError('rateLimited', 'throttled', { status: 429, retryAfterMs: 420_000 })) as ApplicationFailure;
    expect(throttled).toMatchObject({ nonRetryable: false, nextRetryDelay: 420_000, type: ErrorType.ProfileSource });
    const down = toSourceFailure(new ProfileSourceError('unavailable', 'down', { status: 503 })) as ApplicationFailure;
    expect(down).toMatchObject({ nonRetryable: false, type: ErrorType.ProfileSource });
    expect(down.nextRetryDelay).toBeUndefined();
    const other = new Error('the store is down');
    expect(toSourceFailure(other)).toBe(other);
  });
});

describe('asMapped', () => {
  it('keys attributes by the names the mapping uses, matching ignoring case, leaving out absent ones', () => {
    expect(asMapped({ emailaddress: 'a@example.com', firstname: 'Ann', city: 'Berlin' }, ['EmailAddress', 'firstname', 'LastName'])).toEqual({
      EmailAddress: 'a@example.com',
      firstname: 'Ann',
    });
  });
});
