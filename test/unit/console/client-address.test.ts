import { createAuthFailureLimiter, type AuthFailureLimiter } from '../../../api/auth-failures';
import { parseTrustedProxies } from '../../../config/trusted-proxies';
import { createConsoleHarness, type ConsoleHarness } from './harness';

jest.setTimeout(60_000);

/**
 * The console calls the API in-process; the API counts failed tokens per client address. Behind
 * a trusted proxy, that is the browser's address from X-Forwarded-For, through the console too:
 * otherwise everyone signing in through the proxy would count as the proxy.
 */
describe('the console\'s calls to the API keep the client\'s address', () => {
  let h: ConsoleHarness;
  const counted: string[] = [];
  const limiter = createAuthFailureLimiter();
  const spy: AuthFailureLimiter = {
    retryAfterSeconds: (client) => limiter.retryAfterSeconds(client),
    recordFailure(client) {
      counted.push(client);
      limiter.recordFailure(client);
    },
  };
  beforeAll(async () => {
    h = await createConsoleHarness({ trustedProxies: parseTrustedProxies('10.0.0.0/8'), authFailures: spy });
  });
  afterAll(() => h?.close());

  const signIn = (token: string, peer: string, forwardedFor?: string) =>
    h.app.request(
      'http://localhost/console/sign-in',
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
        body: new URLSearchParams({ token }).toString(),
      },
      h.peer(peer),
    );

  it('counts a wrong token signed in through a trusted proxy against the browser\'s address, not the proxy\'s', async () => {
    counted.length = 0;
    expect((await signIn('ape_wrongwrongwrong1', '10.0.0.1', '203.0.113.9')).status).toBe(401);
    expect(counted.filter((k) => k.startsWith('address:'))).toEqual(['address:203.0.113.9']);
  });

  it('believes the header from no one else: a direct client is its own peer', async () => {
    counted.length = 0;
    expect((await signIn('ape_wrongwrongwrong2', '198.51.100.7', '203.0.113.10')).status).toBe(401);
    expect(counted.filter((k) => k.startsWith('address:'))).toEqual(['address:198.51.100.7']);
  });

  it('so one browser failing ten times behind the proxy locks out only itself', async () => {
    for (let i = 0; i < 10; i++) await signIn(`ape_guess${String(i).padStart(12, '0')}`, '10.0.0.1', '203.0.113.50');
    expect((await signIn('ape_guessanother0001', '10.0.0.1', '203.0.113.50')).status).toBe(429);
    expect((await signIn('ape_typoedtoken00001', '10.0.0.1', '203.0.113.51')).status).toBe(401);
    expect((await signIn(h.tokens.admin, '10.0.0.1', '203.0.113.50')).status).toBe(303);
  });
});
