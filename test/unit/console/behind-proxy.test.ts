import { parseTrustedProxies } from '../../../config/trusted-proxies';
import { createConsoleHarness, type ConsoleHarness } from './harness';

jest.setTimeout(60_000);

const PUBLIC = 'https://console.example.com';
/** What the proxy in front sends on: plain http to the API's own address. */
const BEHIND = 'http://10.0.0.2:3000';
const PROXY = '10.0.0.1';
const STRANGER = '198.51.100.7';

/**
 * The console behind a TLS-terminating proxy: the browser speaks https to the proxy, the proxy
 * plain http to the API. The cookie must still be Secure, and the browser's origin accepted.
 */
describe('the console behind a TLS-terminating proxy', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await createConsoleHarness({
      console: { publicUrl: PUBLIC, trustedProxies: parseTrustedProxies('10.0.0.0/8') },
      trustedProxies: parseTrustedProxies('10.0.0.0/8'),
    });
  });
  afterAll(() => h?.close());

  const signInPost = (url: string, headers: Record<string, string>, peer = PROXY) =>
    h.app.request(
      `${url}/console/sign-in`,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ token: h.tokens.admin }).toString() },
      h.peer(peer),
    );

  it('marks the cookie Secure when PUBLIC_URL is https, though the request reached the API over http', async () => {
    const res = await signInPost(BEHIND, { origin: PUBLIC });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/;\s*Secure/);
  });

  it('accepts posts from the public origin whatever Host the proxy sends, and still refuses other sites', async () => {
    expect((await signInPost(BEHIND, { origin: PUBLIC })).status).toBe(303);
    expect((await signInPost(BEHIND, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await signInPost(BEHIND, { origin: 'http://console.example.com' })).status).toBe(403);
  });
});

describe('the console behind a proxy that says X-Forwarded-Proto (no https PUBLIC_URL)', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    // PUBLIC_URL's default: http://localhost:<PORT>.
    h = await createConsoleHarness({
      console: { publicUrl: 'http://localhost:3000', trustedProxies: parseTrustedProxies('10.0.0.0/8,fd00::/8') },
      trustedProxies: parseTrustedProxies('10.0.0.0/8,fd00::/8'),
    });
  });
  afterAll(() => h?.close());

  // The proxy passes the browser's Host on; the request the API sees is http on that host.
  const HOST = 'http://console.example.com';
  const signInPost = (headers: Record<string, string>, peer: string) =>
    h.app.request(
      `${HOST}/console/sign-in`,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ token: h.tokens.admin }).toString() },
      h.peer(peer),
    );

  it('believes X-Forwarded-Proto: https from a trusted proxy: Secure cookie, https origin accepted', async () => {
    for (const peer of [PROXY, '::ffff:10.0.0.1', 'fd00::1']) {
      const res = await signInPost({ origin: PUBLIC, 'x-forwarded-proto': 'https' }, peer);
      expect(res.status).toBe(303);
      expect(res.headers.get('set-cookie')).toMatch(/;\s*Secure/);
    }
    // As a chain of proxies writes it: the first entry is the browser's.
    expect((await signInPost({ origin: PUBLIC, 'x-forwarded-proto': 'https, http' }, PROXY)).headers.get('set-cookie')).toMatch(/;\s*Secure/);
  });

  it('does not believe it from anyone else, nor without it', async () => {
    const stranger = await signInPost({ origin: PUBLIC, 'x-forwarded-proto': 'https' }, STRANGER);
    expect(stranger.status).toBe(403);
    const plain = await signInPost({ origin: HOST }, PROXY);
    expect(plain.status).toBe(303);
    expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/);
    const strangerSameOrigin = await signInPost({ origin: HOST, 'x-forwarded-proto': 'https' }, STRANGER);
    expect(strangerSameOrigin.status).toBe(303);
    expect(strangerSameOrigin.headers.get('set-cookie')).not.toMatch(/Secure/);
    expect((await signInPost({ origin: 'https://evil.example', 'x-forwarded-proto': 'https' }, PROXY)).status).toBe(403);
  });
});
