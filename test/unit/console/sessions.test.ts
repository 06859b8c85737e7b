import { createHarness, type Harness } from '../api/harness';

/** Sign-in, the session cookie and the console's refusals, in memory (the browser tests walk the pages). */
describe('console sessions', () => {
  let h: Harness;
  const ORIGIN = 'http://localhost';
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    h.app.request(ORIGIN + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...headers },
      body: new URLSearchParams(form).toString(),
    });

  async function signIn(token: string) {
    const res = await post('/console/sign-in', { token });
    expect(res.status).toBe(303);
    const cookie = res.headers.get('set-cookie') ?? '';
    return { cookie, header: cookie.split(';')[0] };
  }

  it('trades a token for an HttpOnly, SameSite=Strict, expiring cookie, and stores only a hash', async () => {
    const { cookie, header } = await signIn(h.tokens.admin);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Max-Age=28[78]\d\d/);
    expect(cookie).toMatch(/Path=\/console/);
    const page = await h.app.request(`${ORIGIN}/console/connections`, { headers: { cookie: header } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Add a connection');
    expect(html).not.toContain(h.tokens.admin);
    const rows = await h.db.query<{ id_hash: string; sealed_token: string }>('SELECT id_hash, sealed_token FROM console_sessions');
    const sessionId = header.split('=')[1];
    expect(JSON.stringify(rows)).not.toContain(sessionId);
    expect(JSON.stringify(rows)).not.toContain(h.tokens.admin);
  });

  it('marks the cookie Secure over https', async () => {
    const res = await h.app.request('https://console.example/console/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://console.example' },
      body: new URLSearchParams({ token: h.tokens.admin }).toString(),
    });
    expect(res.headers.get('set-cookie')).toMatch(/Secure/);
  });

  it('refuses a wrong token, and anyone without a session', async () => {
    expect((await post('/console/sign-in', { token: 'ape_nope' })).status).toBe(401);
    const page = await h.app.request(`${ORIGIN}/console/exports`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/console/sign-in');
    expect((await post('/console/connections', { displayName: 'x' })).status).toBe(401);
  });

  it('refuses a cross-site post, and a post without the session\'s CSRF token', async () => {
    const { header } = await signIn(h.tokens.admin);
    const forged = await post('/console/connections', { displayName: 'x' }, { cookie: header, origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    const withoutToken = await post('/console/connections', { displayName: 'x' }, { cookie: header });
    expect(withoutToken.status).toBe(403);
    expect((await h.db.query('SELECT id FROM connections')).length).toBe(0);
  });

  it('shows a contributor no connection page action and lets the API refuse a forced one', async () => {
    const { header } = await signIn(h.tokens.contributor);
    const list = await (await h.app.request(`${ORIGIN}/console/connections`, { headers: { cookie: header } })).text();
    expect(list).not.toContain('Add a connection');
    const home = await (await h.app.request(`${ORIGIN}/console/exports`, { headers: { cookie: header } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(home)?.[1] ?? '';
    const forced = await post('/console/connections', { _csrf: csrf, displayName: 'x', apiKey: 'k', privacyConsent: 'true' }, { cookie: header });
    expect(forced.status).toBe(403);
    expect(await forced.text()).toContain('Only admins may do this');
  });

  it('signs out: the session is gone from the store', async () => {
    const { header } = await signIn(h.tokens.admin);
    const home = await (await h.app.request(`${ORIGIN}/console/exports`, { headers: { cookie: header } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(home)?.[1] ?? '';
    const out = await post('/console/sign-out', { _csrf: csrf }, { cookie: header });
    expect(out.status).toBe(303);
    expect((await h.app.request(`${ORIGIN}/console/exports`, { headers: { cookie: header } })).status).toBe(303);
  });
});
