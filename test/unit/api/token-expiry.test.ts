import { createHarness, HARNESS_TIMEOUT, json, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, HARNESS_TIMEOUT);
beforeEach(() => h.reset());
afterAll(() => h.close());

const DAY = 86_400_000;
const withToken = (token: string, path: string) => h.app.request(path, { headers: { authorization: `Bearer ${token}` } });
const issue = (body: Record<string, unknown>) => h.call('admin', 'POST', '/tokens', { name: 'temp', role: 'contributor', ...body });

describe('token expiry', () => {
  it('sets expiresAt from expiresInDays, and the token works until then', async () => {
    const before = Date.now();
    const created = await json(await issue({ expiresInDays: 30 }));
    const expiresAt = Date.parse(created.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * DAY);
    expect((await withToken(created.token, '/segments')).status).toBe(200);
    const listed = await json(await h.call('admin', 'GET', '/tokens'));
    expect(listed.tokens.find((t: { id: string }) => t.id === created.id).expiresAt).toBe(created.expiresAt);
  });

  it('accepts an explicit expiresAt, and no expiry at all', async () => {
    const at = new Date(Date.now() + 7 * DAY).toISOString();
    expect((await json(await issue({ expiresAt: at }))).expiresAt).toBe(at);
    expect((await json(await issue({}))).expiresAt).toBeNull();
  });

  it.each([
    ['zero days', { expiresInDays: 0 }],
    ['over a year', { expiresInDays: 366 }],
    ['a fraction of a day', { expiresInDays: 1.5 }],
    ['a time in the past', { expiresAt: new Date(Date.now() - DAY).toISOString() }],
    ['a time over a year ahead', { expiresAt: new Date(Date.now() + 400 * DAY).toISOString() }],
    ['not a time', { expiresAt: 'next tuesday' }],
    ['both', { expiresInDays: 3, expiresAt: new Date(Date.now() + DAY).toISOString() }],
  ])('refuses %s', async (_, body) => {
    const res = await issue(body);
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe('invalid_request');
  });

  it('answers 401 saying so once the token has expired', async () => {
    const { id, token } = await json(await issue({ expiresInDays: 1 }));
    await h.db.query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [id]);
    const res = await withToken(token, '/segments');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect((await json(res)).error).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/expired/) });
  });
});
