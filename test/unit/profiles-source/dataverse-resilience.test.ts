import { createOutboundPolicy } from '../../../outbound/policy';
import { DataverseClient, DataverseError } from '../../../profiles-source';
import { CLIENT_ID, CLIENT_SECRET, readAll, rejectionOf, startHarness, TENANT_ID, type Harness } from './fixtures';

describe('Dataverse client: tokens', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('refreshes a token that expires in the middle of a read, without failing or repeating a page', async () => {
    h = await startHarness();
    const first = await h.source.readMembers('All', null, 5);
    h.running.sim.expireTokens();
    const second = await h.source.readMembers('All', first.nextCursor, 5);
    expect(second.profileIds).toHaveLength(5);
    expect(h.running.sim.stats()).toMatchObject({ tokensIssued: 2, unauthorized: 1, pagesServed: 2, repeatedPages: 0 });
    expect(h.client.tokensIssued).toBe(2);
  });

  it('refreshes ahead of expiry, so no request goes out with a token about to lapse', async () => {
    let clock = Date.now();
    h = await startHarness({ tokenLifetimeSeconds: 3_600 }, { now: () => clock });
    await h.source.readMembers('All', null, 5);
    clock += 3_600_000 - 4 * 60_000; // four minutes before expiry: within the five-minute margin
    await h.source.readMembers('All', null, 5);
    expect(h.running.sim.stats()).toMatchObject({ tokensIssued: 2, unauthorized: 0 });
  });

  it('reuses one token for a whole read while it is valid', async () => {
    h = await startHarness();
    await readAll(h);
    expect(h.running.sim.stats().tokensIssued).toBe(1);
  });
});

describe('Dataverse client: throttling and failures', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('honours 429 Retry-After: waits, then reads everything, and sends nothing early', async () => {
    h = await startHarness({ faults: { rateLimit: { requests: 2, windowMs: 500 } } });
    const ids = await readAll(h);
    expect(ids).toHaveLength(23);
    const stats = h.running.sim.stats();
    expect(stats.rateLimited).toBeGreaterThan(0);
    expect(stats.earlyRequests).toBe(0);
    expect(stats.repeatedPages).toBe(0);
  });

  it('holds the next call of the client too, not only the retried one', async () => {
    h = await startHarness({ faults: { rateLimit: { requests: 1, windowMs: 500 } } });
    await h.source.readMembers('All', null, 5);
    await h.source.readMembers('Odd', null, 5); // 429, waited, sent again
    await h.source.readMembers('All', null, 5); // must not go before the window the 429 named
    expect(h.running.sim.stats()).toMatchObject({ earlyRequests: 0, served: 3 });
    expect(h.running.sim.stats().rateLimited).toBeGreaterThan(0);
  });

  it('retries 5xx with backoff and then succeeds', async () => {
    h = await startHarness();
    h.running.sim.failNext(2, 503);
    const page = await h.source.readMembers('All', null, 5);
    expect(page.profileIds).toHaveLength(5);
    expect(h.running.sim.stats()).toMatchObject({ serverErrors: 2, pagesServed: 1 });
  });

  it('gives up after its attempts with a retryable error, for the caller to retry later', async () => {
    h = await startHarness({}, { maxAttempts: 3 });
    h.running.sim.failNext(5, 500);
    const err = await rejectionOf(h.source.readMembers('All', null, 5));
    expect(err).toMatchObject({ name: 'DataverseError', kind: 'unavailable', retryable: true, status: 500 });
    expect(h.running.sim.stats().serverErrors).toBe(3);
  });

  it('throws a retryable error instead of waiting longer than it may', async () => {
    h = await startHarness({ faults: { rateLimit: { requests: 1, windowMs: 60_000 } } }, { maxWaitMs: 1_000 });
    await h.source.readMembers('All', null, 5);
    const err = await rejectionOf(h.source.readMembers('All', null, 5));
    expect(err).toMatchObject({ kind: 'rateLimited', retryable: true, retryAfterMs: 60_000 });
  });

  describe('a caller that may be held only briefly (maxHoldMs, as the API)', () => {
    /** Fails the call instead of hanging if the client waits out the hold: then the test fails on the kind. */
    const soon = () => AbortSignal.timeout(3_000);

    it("refuses later calls at once while an earlier call's Retry-After lasts, sending nothing", async () => {
      h = await startHarness({ faults: { rateLimit: { requests: 1, windowMs: 60_000 } } }, { maxHoldMs: 1_000 });
      await h.source.readMembers('All', null, 5, soon());
      const throttled = await rejectionOf(h.source.readMembers('All', null, 5, soon()));
      // Dataverse's own 429 is what the throttled call throws, not a wait it could not afford.
      expect(throttled).toMatchObject({ kind: 'rateLimited', status: 429, retryAfterMs: 60_000 });
      const before = h.running.sim.stats();

      const held = await rejectionOf(h.source.listSegments(soon()));
      expect(held).toBeInstanceOf(DataverseError);
      expect(held).toMatchObject({ kind: 'rateLimited', retryable: true });
      // What is left of the hold, not the whole of it again: the time since the 429 is taken off.
      const { retryAfterMs } = held as DataverseError;
      expect(retryAfterMs).toBeGreaterThan(50_000);
      expect(retryAfterMs).toBeLessThanOrEqual(60_000);
      expect((held as Error).message).toMatch(/asked this client to wait another (5\d|60) s/);
      expect((held as Error).message).not.toContain(CLIENT_SECRET);
      expect(h.running.sim.stats()).toMatchObject({ requests: before.requests, tokenRequests: before.tokenRequests, earlyRequests: 0 });
    });

    it('still waits out a hold within its limit', async () => {
      h = await startHarness({ faults: { rateLimit: { requests: 1, windowMs: 500 } } }, { maxHoldMs: 2_000, maxWaitMs: 2_000 });
      await h.source.readMembers('All', null, 5, soon());
      await h.source.readMembers('Odd', null, 5, soon()); // 429 (about 1 s), waited, sent again
      await h.source.readMembers('All', null, 5, soon());
      expect(h.running.sim.stats()).toMatchObject({ earlyRequests: 0, served: 3 });
      expect(h.running.sim.stats().rateLimited).toBeGreaterThan(0);
    });

    it('a client without the limit (a worker) keeps holding later calls instead of refusing them', async () => {
      h = await startHarness({ faults: { rateLimit: { requests: 1, windowMs: 1_000 } } }, { maxWaitMs: 100 });
      await h.source.readMembers('All', null, 5);
      await rejectionOf(h.source.readMembers('All', null, 5)); // 429 of about 1 s: longer than it waits itself
      const page = await h.source.readMembers('Odd', null, 5); // held by that 429, then sent
      expect(page.profileIds).toHaveLength(5);
      expect(h.running.sim.stats()).toMatchObject({ earlyRequests: 0, served: 2 });
    });
  });
});

describe('Dataverse client: bad configuration fails clearly, once, and names no secret', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const expectNoSecret = (err: unknown) => {
    const text = `${(err as Error).message} ${JSON.stringify(err)} ${(err as Error).stack}`;
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toContain('wrong-secret-value');
  };

  it('an unknown tenant', async () => {
    const { source } = h.another({ tenantId: 'contoso-typo.onmicrosoft.com' });
    const err = await rejectionOf(source.readMembers('All', null, 5));
    expect(err).toBeInstanceOf(DataverseError);
    expect(err).toMatchObject({ kind: 'auth', retryable: false, status: 400 });
    expect((err as Error).message).toMatch(/tenant contoso-typo\.onmicrosoft\.com.*AADSTS90002.*DATAVERSE_TENANT_ID/);
    expectNoSecret(err);
    expect(h.running.sim.stats()).toMatchObject({ tokenRequests: 1, requests: 0 });
  });

  it('a wrong client secret', async () => {
    const { source } = h.another({ clientSecret: 'wrong-secret-value' });
    const err = await rejectionOf(source.readMembers('All', null, 5));
    expect(err).toMatchObject({ kind: 'auth', retryable: false, status: 401 });
    expect((err as Error).message).toMatch(new RegExp(`client ${CLIENT_ID}.*invalid_client AADSTS7000215.*DATAVERSE_CLIENT_SECRET`));
    expectNoSecret(err);
    expect(h.running.sim.stats().tokenRequests).toBe(1);
  });

  it('an unknown client id', async () => {
    const { source } = h.another({ clientId: '00000000-0000-4000-8000-000000000000' });
    const err = await rejectionOf(source.listSegments());
    expect(err).toMatchObject({ kind: 'auth', retryable: false });
    expect((err as Error).message).toMatch(/AADSTS700016.*DATAVERSE_CLIENT_ID/);
  });

  it('a query Dataverse refuses (400) is not retried', async () => {
    const err = await rejectionOf(h.client.query('msdynci_customerprofiles', { select: ['no_such_column'] }, 5));
    expect(err).toMatchObject({ kind: 'rejected', retryable: false, status: 400 });
    expect((err as Error).message).toMatch(/no_such_column/);
    expect(h.running.sim.stats().requests).toBe(1);
  });
});

describe('Dataverse client: outbound rules', () => {
  const base = { tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };

  it('refuses an organization URI the policy does not allow, before any request', () => {
    const make = () => new DataverseClient({ ...base, organizationUrl: 'https://contoso.crm.dynamics.com', outbound: createOutboundPolicy(['login.microsoftonline.com']) });
    expect(make).toThrow(DataverseError);
    expect(make).toThrow(/DATAVERSE_URL may not be called: host contoso\.crm\.dynamics\.com is not allowed/);
  });

  it('refuses an authority the policy does not allow', () => {
    const make = () =>
      new DataverseClient({ ...base, organizationUrl: 'https://contoso.crm.dynamics.com', outbound: createOutboundPolicy(['contoso.crm.dynamics.com']) });
    expect(make).toThrow(/DATAVERSE_AUTHORITY_URL may not be called: host login\.microsoftonline\.com is not allowed/);
  });

  it('refuses plain http to a host that is not loopback', () => {
    const make = () =>
      new DataverseClient({ ...base, organizationUrl: 'http://contoso.crm.dynamics.com', outbound: createOutboundPolicy(['contoso.crm.dynamics.com', 'login.microsoftonline.com']) });
    expect(make).toThrow(/must be https/);
  });

  it('allows both when the policy lists them', () => {
    const client = new DataverseClient({
      ...base,
      organizationUrl: 'https://contoso.crm.dynamics.com/',
      outbound: createOutboundPolicy(['contoso.crm.dynamics.com', 'login.microsoftonline.com']),
    });
    expect(client.serviceRoot).toBe('https://contoso.crm.dynamics.com/api/data/v9.2/');
    client.close();
  });
});
