import { exportWorkflowId } from '../../../domain/ids';
import { connectionBody, createConnection, createExport } from './fixtures';
import { createHarness, GOOD_KEY, json, OTHER_GOOD_KEY, seedProfiles, UNREACHABLE_URL, type Harness, HARNESS_TIMEOUT } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, HARNESS_TIMEOUT);
beforeEach(async () => {
  await h.reset();
  h.sim.sim.setFaults({ errorRate: 0 });
});
afterAll(() => h.close());

const count = async () => (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM connections'))[0].n;

describe('POST /connections', () => {
  it('saves the connection after Autopilot accepts the key, showing only its last 4 characters', async () => {
    const res = await h.call('admin', 'POST', '/connections', connectionBody(h));
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(res.headers.get('location')).toBe(`/connections/${body.id}`);
    expect(body).toMatchObject({ displayName: 'Autopilot newsletter (EU)', type: 'autopilot', usableBy: 'admins_and_contributors', apiKeyLast4: GOOD_KEY.slice(-4), createdBy: 'alice' });
    expect(body.apiKey).toBeUndefined();
  });

  it('defaults usableBy to admins', async () => {
    const res = await h.call('admin', 'POST', '/connections', { ...connectionBody(h), usableBy: undefined });
    expect((await json(res)).usableBy).toBe('admins');
  });

  it.each([[{ privacyConsent: false }], [{ privacyConsent: undefined }]])('refuses without privacy consent (%j), explaining it', async (override) => {
    const res = await h.call('admin', 'POST', '/connections', connectionBody(h, override));
    expect(res.status).toBe(400);
    const { error } = await json(res);
    expect(error.message).toMatch(/outside this system's compliance boundary/);
    expect(error.details.issues[0].path).toEqual(['privacyConsent']);
    expect(await count()).toBe(0);
  });

  it('answers 422 with Autopilot\'s reason and saves nothing when Autopilot rejects the key', async () => {
    const res = await h.call('admin', 'POST', '/connections', connectionBody(h, { apiKey: 'ffffffffffffffffffffffffffffffff' }));
    expect(res.status).toBe(422);
    const { error } = await json(res);
    expect(error.code).toBe('key_rejected');
    expect(error.message).toBe('Autopilot refused the API key (HTTP 401)'); // its wording is not echoed
    expect(await count()).toBe(0);
  });

  it('answers 502 and saves nothing when Autopilot cannot be reached', async () => {
    const res = await h.call('admin', 'POST', '/connections', connectionBody(h, { baseUrl: UNREACHABLE_URL }));
    expect(res.status).toBe(502);
    expect((await json(res)).error.code).toBe('destination_unavailable');
    expect(await count()).toBe(0);
  });

  it('answers 502 when Autopilot fails with a 5xx', async () => {
    h.sim.sim.setFaults({ errorRate: 1 });
    const res = await h.call('admin', 'POST', '/connections', connectionBody(h));
    expect(res.status).toBe(502);
    expect(await count()).toBe(0);
  });
});

describe('reading connections', () => {
  it('shows admins everything but the key, and contributors only shared connections as id, name and type', async () => {
    const shared = await createConnection(h);
    await createConnection(h, { displayName: 'Admins only', usableBy: 'admins' });
    const asAdmin = await json(await h.call('admin', 'GET', '/connections'));
    expect(asAdmin.connections).toHaveLength(2);
    const asContributor = await json(await h.call('contributor', 'GET', '/connections'));
    expect(asContributor.connections).toEqual([{ id: shared, displayName: 'Autopilot newsletter (EU)', type: 'autopilot' }]);
  });

  it('hides connections not shared with a contributor as 404', async () => {
    const id = await createConnection(h, { usableBy: 'admins' });
    expect((await h.call('contributor', 'GET', `/connections/${id}`)).status).toBe(404);
    expect((await h.call('admin', 'GET', `/connections/${id}`)).status).toBe(200);
    expect((await h.call('admin', 'GET', '/connections/nope')).status).toBe(404);
  });
});

describe('PATCH /connections/:id', () => {
  it('rotates the key after checking the new one', async () => {
    const id = await createConnection(h);
    const res = await h.call('admin', 'PATCH', `/connections/${id}`, { apiKey: OTHER_GOOD_KEY, displayName: 'Renamed' });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ apiKeyLast4: OTHER_GOOD_KEY.slice(-4), displayName: 'Renamed' });
  });

  it('keeps the old key when Autopilot rejects the new one', async () => {
    const id = await createConnection(h);
    const res = await h.call('admin', 'PATCH', `/connections/${id}`, { apiKey: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee' });
    expect(res.status).toBe(422);
    expect((await json(await h.call('admin', 'GET', `/connections/${id}`))).apiKeyLast4).toBe(GOOD_KEY.slice(-4));
  });

  it('never sends the stored key to a new base URL: the key must come again, and is checked there', async () => {
    const id = await createConnection(h);
    const withoutKey = await h.call('admin', 'PATCH', `/connections/${id}`, { baseUrl: UNREACHABLE_URL });
    expect(withoutKey.status).toBe(400);
    expect((await json(withoutKey)).error.details.issues[0]).toMatchObject({ path: ['apiKey'], code: 'api_key_required' });
    expect((await h.call('admin', 'PATCH', `/connections/${id}`, { baseUrl: UNREACHABLE_URL, apiKey: GOOD_KEY })).status).toBe(502);
    expect((await h.call('admin', 'PATCH', `/connections/${id}`, { usableBy: 'admins' })).status).toBe(200);
    expect((await h.call('admin', 'PATCH', '/connections/nope', { usableBy: 'admins' })).status).toBe(404);
  });
});

describe('POST /connections/:id/test', () => {
  it('says ok while Autopilot accepts the stored key, 422 once it does not', async () => {
    const id = await createConnection(h, { apiKey: OTHER_GOOD_KEY });
    expect(await json(await h.call('admin', 'POST', `/connections/${id}/test`))).toEqual({ ok: true });
    h.sim.sim.revokeKey(OTHER_GOOD_KEY);
    expect((await h.call('admin', 'POST', `/connections/${id}/test`)).status).toBe(422);
    expect((await h.call('admin', 'POST', '/connections/nope/test')).status).toBe(404);
  });
});

describe('DELETE /connections/:id', () => {
  it('refuses with 409 while exports use it, naming them', async () => {
    await seedProfiles(h.db);
    const id = await createConnection(h);
    const exportId = await createExport(h, id);
    const res = await h.call('admin', 'DELETE', `/connections/${id}`);
    expect(res.status).toBe(409);
    expect((await json(res)).error.details.exportIds).toEqual([exportId]);
  });

  it('with ?detach=true, leaves the exports configured but inactive, without schedule or run', async () => {
    await seedProfiles(h.db);
    const id = await createConnection(h);
    const exportId = await createExport(h, id, { schedule: { cron: '0 6 * * *', timezone: 'UTC' } });
    await h.call('admin', 'POST', `/exports/${exportId}/runs`);
    const res = await h.call('admin', 'DELETE', `/connections/${id}?detach=true`);
    expect(res.status).toBe(204);
    const e = await json(await h.call('admin', 'GET', `/exports/${exportId}`));
    expect(e).toMatchObject({ connectionId: null, active: false, schedule: { cron: '0 6 * * *' } });
    expect(h.schedules.has(exportId)).toBe(false);
    expect(h.runState.going.has(exportWorkflowId(exportId))).toBe(false);
    expect((await h.call('admin', 'GET', `/connections/${id}`)).status).toBe(404);
  });

  it('removes an unused connection, and 404s an unknown one', async () => {
    const id = await createConnection(h);
    expect((await h.call('admin', 'DELETE', `/connections/${id}`)).status).toBe(204);
    expect((await h.call('admin', 'DELETE', `/connections/${id}`)).status).toBe(404);
  });
});

describe('outbound addresses', () => {
  it.each([
    ['a host not on the allow-list', 'https://collector.evil.example/v1'],
    ['plain http to a public host', 'http://api2.autopilothq.com/v1'],
    ['a link-local address', 'http://169.254.169.254/latest/meta-data'],
    ['a private address', 'https://10.0.0.7/v1'],
    ['a loopback name not allowed', 'http://localhost:8787/v1'],
    ['credentials in the URL', 'https://user:pw@127.0.0.1/v1'],
  ])('refuses %s before any connection is made', async (_what, baseUrl) => {
    const before = h.sim.sim.stats(GOOD_KEY).requests;
    const res = await h.call('admin', 'POST', '/connections', connectionBody(h, { baseUrl }));
    expect(res.status).toBe(400);
    expect((await json(res)).error.details.issues[0]).toMatchObject({ path: ['baseUrl'], code: 'outbound_refused' });
    expect(h.sim.sim.stats(GOOD_KEY).requests).toBe(before);
  });

  it('refuses an alert webhook the rules refuse', async () => {
    await seedProfiles(h.db, 3);
    const id = await createConnection(h);
    const res = await h.call('admin', 'POST', '/exports', {
      displayName: 'x', connectionId: id, segmentIds: ['VIP'], mapping: { email: 'EmailAddress' },
      alerts: { webhookUrl: 'http://169.254.169.254/hook', events: ['failed'] },
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error.details.issues[0]).toMatchObject({ path: ['alerts', 'webhookUrl'], code: 'outbound_refused' });
  });
});
