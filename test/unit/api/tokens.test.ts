import { ensureBootstrapToken, hashToken } from '../../../store/tokens';
import { BOOTSTRAP_TOKEN, createHarness, HARNESS_TIMEOUT, json, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, HARNESS_TIMEOUT);
beforeEach(() => h.reset());
afterAll(() => h.close());

const withToken = (token: string, path: string) => h.app.request(path, { headers: { authorization: `Bearer ${token}` } });

describe('tokens', () => {
  it('issues a token shown once, which then authenticates as its name and role', async () => {
    const res = await h.call('admin', 'POST', '/tokens', { name: 'maria', role: 'contributor' });
    expect(res.status).toBe(201);
    const created = await json(res);
    expect(created).toMatchObject({ name: 'maria', role: 'contributor', createdBy: 'alice' });
    expect(created.token).toMatch(/^ape_[A-Za-z0-9_-]{43}$/);
    expect((await withToken(created.token, '/segments')).status).toBe(200);
    expect((await withToken(created.token, '/tokens')).status).toBe(403);
  });

  it('lists tokens without their secrets and stores only a hash', async () => {
    const { token } = await json(await h.call('admin', 'POST', '/tokens', { name: 'maria', role: 'admin' }));
    const listed = await h.call('admin', 'GET', '/tokens');
    const text = await listed.text();
    expect(text).not.toContain(token);
    expect(JSON.parse(text).tokens.map((t: { name: string }) => t.name)).toEqual(['alice', 'carl', 'maria']);
    const stored = await h.db.query<{ token_hash: string }>("SELECT token_hash FROM api_tokens WHERE name = 'maria'");
    expect(stored[0].token_hash).toBe(hashToken(token));
  });

  it('revokes a token: it no longer authenticates, and a second revoke is 404', async () => {
    const { id, token } = await json(await h.call('admin', 'POST', '/tokens', { name: 'temp', role: 'admin' }));
    expect((await h.call('admin', 'DELETE', `/tokens/${id}`)).status).toBe(204);
    const res = await withToken(token, '/segments');
    expect(res.status).toBe(401);
    expect((await json(res)).error.message).toMatch(/unknown or revoked/);
    expect((await h.call('admin', 'DELETE', `/tokens/${id}`)).status).toBe(404);
  });

  it('accepts the configured bootstrap token as an admin named admin', async () => {
    const res = await h.call('bootstrap', 'POST', '/tokens', { name: 'x', role: 'contributor' });
    expect((await json(res)).createdBy).toBe('admin');
  });

  it('answers 401 with WWW-Authenticate for a missing, malformed or unknown token', async () => {
    for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer ape_nope' }] as Record<string, string>[]) {
      const res = await h.app.request('/segments', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect((await json(res)).error.code).toBe('unauthorized');
    }
  });

  it('does not accept a prefix of the bootstrap token', async () => {
    expect((await withToken(BOOTSTRAP_TOKEN.slice(0, -1), '/segments')).status).toBe(401);
  });
});

describe('ensureBootstrapToken', () => {
  it('creates an admin token on first start only, and returns it once', async () => {
    await h.db.exec('TRUNCATE api_tokens');
    const token = await ensureBootstrapToken(h.db);
    expect(token).toMatch(/^ape_/);
    expect(await ensureBootstrapToken(h.db)).toBeUndefined();
    const me = await withToken(token!, '/tokens');
    expect((await json(me)).tokens).toEqual([expect.objectContaining({ name: 'admin', role: 'admin', createdBy: 'bootstrap' })]);
  });
});
