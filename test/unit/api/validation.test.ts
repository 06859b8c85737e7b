import { createApp } from '../../../api/app';
import { createSecretBox, generateSecretsKey } from '../../../store/secret-box';
import { createConnection, exportBody } from './fixtures';
import { createFakeRuns, createHarness, HARNESS_TIMEOUT, json, seedProfiles, type Harness, TEST_OUTBOUND } from './harness';

let h: Harness;
let connectionId: string;
beforeAll(async () => {
  h = await createHarness();
  await seedProfiles(h.db);
  connectionId = await createConnection(h);
}, HARNESS_TIMEOUT);
afterAll(() => h.close());

const long = (n: number) => 'x'.repeat(n);

async function expectIssue(res: Response, status: number, path: (string | number)[]) {
  expect(res.status).toBe(status);
  const { error } = await json(res);
  expect(Object.keys(error).sort()).toEqual(['code', 'details', 'message']);
  expect(error.details.issues.map((i: { path: unknown }) => i.path)).toContainEqual(path);
}

describe('input validation', () => {
  it('answers malformed JSON with 400 in the error shape', async () => {
    const res = await h.call('admin', 'POST', '/exports', '{"displayName": ');
    await expectIssue(res, 400, []);
    expect((await h.call('admin', 'PATCH', `/connections/${connectionId}`, '[1,')).status).toBe(400);
  });

  it('answers a missing body with 400', async () => {
    const res = await h.app.request('/tokens', { method: 'POST', headers: { authorization: `Bearer ${h.tokens.admin}` } });
    expect(res.status).toBe(400);
  });

  it.each([
    ['POST', '/tokens', { name: 'x', role: 'admin', admin: true }, ['admin']],
    ['POST', '/connections', { displayName: 'x', apiKey: 'k', privacyConsent: true, extra: 1 }, ['extra']],
    ['POST', '/exports', { ...exportBody('c'), mapping: { email: 'EmailAddress', phone: 'Phone' } }, ['mapping', 'phone']],
    ['POST', '/exports', { ...exportBody('c'), schedule: { cron: '@daily', timezone: 'UTC', every: 1 } }, ['schedule', 'every']],
  ])('refuses unknown fields: %s %s', async (method, path, body, issuePath) => {
    await expectIssue(await h.call('admin', method, path, body), 400, issuePath);
  });

  it.each([
    ['/tokens', { name: 42, role: 'admin' }, ['name']],
    ['/tokens', { name: 'x', role: 'owner' }, ['role']],
    ['/exports', { ...exportBody('c'), segmentIds: 'VIP' }, ['segmentIds']],
    ['/exports', { ...exportBody('c'), profileLimit: '10' }, ['profileLimit']],
    ['/exports', { ...exportBody('c'), onLimitExceeded: 'ignore' }, ['onLimitExceeded']],
    ['/exports', [exportBody('c')], []],
  ])('refuses wrong types: POST %s (case %#)', async (path, body, issuePath) => {
    await expectIssue(await h.call('admin', 'POST', path, body), 400, issuePath);
  });

  it.each([
    ['/tokens', { name: long(201), role: 'admin' }, ['name']],
    ['/connections', { displayName: long(201), apiKey: 'k', privacyConsent: true }, ['displayName']],
    ['/exports', { ...exportBody('c'), displayName: long(201) }, ['displayName']],
    ['/exports', { ...exportBody('c'), mapping: { email: long(201) } }, ['mapping', 'email']],
    ['/exports', { ...exportBody('c'), segmentIds: [long(201)] }, ['segmentIds', 0]],
    ['/exports', { ...exportBody('c'), displayName: '   ' }, ['displayName']],
  ])('refuses over-long or blank strings: POST %s', async (path, body, issuePath) => {
    await expectIssue(await h.call('admin', 'POST', path, body), 400, issuePath);
  });

  it('refuses NUL characters, which the store cannot hold, in bodies, keys and paths', async () => {
    await expectIssue(await h.call('admin', 'POST', '/tokens', { name: 'a\u0000b', role: 'admin' }), 400, ['name']);
    const mapping = { email: 'EmailAddress', fields: { 'string--A\u0000': 'Company' } };
    expect((await h.call('admin', 'POST', '/exports', { ...exportBody(connectionId), mapping })).status).toBe(400);
    await expectIssue(await h.call('admin', 'GET', '/exports/%00'), 400, ['id']);
  });

  it('refuses absurd ids in paths with 400, unknown ones with 404', async () => {
    await expectIssue(await h.call('admin', 'GET', `/exports/${long(201)}`), 400, ['id']);
    const res = await h.call('admin', 'GET', '/exports/00000000-0000-0000-0000-000000000000');
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe('not_found');
  });

  it('refuses bad query parameters', async () => {
    await expectIssue(await h.call('admin', 'DELETE', `/connections/${connectionId}?detach=yes`), 400, ['detach']);
    await expectIssue(await h.call('admin', 'GET', '/exports/x/runs?limit=9999'), 400, ['limit']);
  });

  it('answers unknown routes and methods with 404 in the error shape', async () => {
    for (const [method, path] of [['GET', '/nowhere'], ['PUT', '/exports'], ['GET', '/exports/x/y/z']]) {
      const res = await h.call('admin', method, path);
      expect(res.status).toBe(404);
      expect((await json(res)).error.code).toBe('not_found');
    }
  });

  it('answers an over-large JSON body with 413', async () => {
    const res = await h.call('admin', 'POST', '/tokens', { name: 'x', role: 'admin', pad: long(300_000) });
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe('payload_too_large');
  });
});

describe('unexpected errors', () => {
  it('answers 500 internal and logs the error without the request body', async () => {
    const logs: string[] = [];
    const record = (message: string, fields?: Record<string, unknown>) => void logs.push(JSON.stringify({ message, ...fields }));
    const app = createApp({
      db: h.db,
      box: createSecretBox(Buffer.from(generateSecretsKey(), 'base64')),
      checkKey: async () => ({ name: 'Test' }),
      outbound: TEST_OUTBOUND,
      scheduler: { upsert: async () => Promise.reject(new Error('scheduler exploded')), remove: async () => undefined },
      runs: createFakeRuns().runs,
      bootstrapAdminToken: 'bootstrap-admin-token-for-unit-tests-0123',
      logger: { info: record, warn: record, error: record },
    });
    const body = exportBody(connectionId, { displayName: 'MARKER-in-body', schedule: { cron: '@daily', timezone: 'UTC' } });
    const res = await app.request('/exports', {
      method: 'POST',
      headers: { authorization: 'Bearer bootstrap-admin-token-for-unit-tests-0123', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(500);
    expect(await json(res)).toEqual({ error: { code: 'internal', message: 'Internal error' } });
    expect(logs.join('\n')).toContain('scheduler exploded');
    expect(logs.join('\n')).not.toContain('MARKER-in-body');
    // A 500 has the security headers too, and its request id leads to its log line.
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(logs.find((l) => l.includes('scheduler exploded'))).toContain(`"requestId":"${res.headers.get('x-request-id')}"`);
  });
});
