import { createAuthFailureLimiter } from '../../../api/auth-failures';
import { addressBlock } from '../../../api/client-address';
import { parseTrustedProxies } from '../../../config/trusted-proxies';
import { createHarness, HARNESS_TIMEOUT, json, type Harness } from './harness';

/** A clock the test moves by hand. */
function fakeClock() {
  const clock = { t: 1_000_000, now: () => clock.t };
  return clock;
}

const limits = (clock: { now: () => number }, maxClients = 100) => ({ maxFailures: 3, windowMs: 60_000, maxClients, now: clock.now });

describe('auth failure limiter', () => {
  it('makes a client wait once it failed too often in a window, until the window ends', () => {
    const clock = fakeClock();
    const limiter = createAuthFailureLimiter(limits(clock));
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('a')).toBe(0);
      limiter.recordFailure('a');
    }
    expect(limiter.retryAfterSeconds('a')).toBe(60);
    expect(limiter.retryAfterSeconds('b')).toBe(0);
    clock.t += 59_500;
    expect(limiter.retryAfterSeconds('a')).toBe(1);
    clock.t += 500;
    expect(limiter.retryAfterSeconds('a')).toBe(0);
  });

  it('remembers a bounded number of clients, forgetting the oldest', () => {
    const clock = fakeClock();
    const limiter = createAuthFailureLimiter(limits(clock, 2));
    for (let i = 0; i < 3; i++) limiter.recordFailure('first');
    clock.t += 1;
    limiter.recordFailure('second');
    expect(limiter.retryAfterSeconds('first')).toBeGreaterThan(0);
    limiter.recordFailure('third');
    expect(limiter.retryAfterSeconds('first')).toBe(0);
  });
});

describe('failed authentication over the API', () => {
  const clock = fakeClock();
  let h: Harness;
  beforeAll(async () => {
    // 10.9.0.0/16 is where the reverse proxies are.
    h = await createHarness({ authFailures: createAuthFailureLimiter(limits(clock)), trustedProxies: parseTrustedProxies('10.9.0.0/16, ::1') });
  }, HARNESS_TIMEOUT);
  beforeEach(() => {
    // A fresh window for every test: the windows of the one before have ended.
    clock.t += 60_000;
  });
  afterAll(() => h.close());

  /** As if from `address`, through the node server. */
  const from = (address: string, token?: string, forwardedFor?: string) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
    return h.app.request('/segments', { headers }, { incoming: { socket: { remoteAddress: address } } });
  };
  const guess = (i: number) => `ape_guess${i}-${'x'.repeat(40)}`;

  it('lets a valid token through from an address whose bad tokens are refused', async () => {
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await from('10.0.0.1', guess(i))).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    expect((await from('10.0.0.1', h.tokens.admin)).status).toBe(200);
  });

  it('answers further failures from that address 429 with Retry-After, until the window ends', async () => {
    for (let i = 0; i < 3; i++) expect((await from('10.0.0.1', guess(i))).status).toBe(401);
    const refused = await from('10.0.0.1', guess(99));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBe(60);
    expect((await json(refused)).error).toMatchObject({ code: 'too_many_failed_attempts' });
    expect((await from('10.0.0.2', guess(99))).status).toBe(401);

    clock.t += 60_000;
    expect((await from('10.0.0.1', guess(99))).status).toBe(401);
  });

  it('counts one bad token retried from many addresses against the token', async () => {
    const stale = guess(7);
    for (let i = 0; i < 3; i++) expect((await from(`10.1.0.${i}`, stale)).status).toBe(401);
    expect((await from('10.1.0.9', stale)).status).toBe(429);
    expect((await from('10.1.0.9', guess(8))).status).toBe(401);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    // Each guess claims another address; all count against the peer's own.
    for (let i = 0; i < 3; i++) expect((await from('10.0.0.3', guess(i), `192.0.2.${i}`)).status).toBe(401);
    expect((await from('10.0.0.3', guess(3), '192.0.2.77')).status).toBe(429);
  });

  it('reads the client from X-Forwarded-For behind a trusted proxy: right-most entry that is not a proxy', async () => {
    for (let i = 0; i < 3; i++) expect((await from('10.9.0.1', guess(i), `203.0.113.${i}, 198.51.100.1, 10.9.0.2`)).status).toBe(401);
    // The client 198.51.100.1 failed too often, whatever it writes to the left; others behind the proxy did not.
    expect((await from('10.9.0.1', guess(3), '1.1.1.1, 198.51.100.1, 10.9.0.2')).status).toBe(429);
    expect((await from('10.9.0.1', guess(3), '198.51.100.2')).status).toBe(401);
    expect((await from('10.9.0.1', h.tokens.admin, '198.51.100.1')).status).toBe(200);
  });

  it('counts the addresses of one IPv6 /64 as one client, and no other /64 with them', async () => {
    for (let i = 0; i < 3; i++) expect((await from(`2001:db8:1:2::${i + 1}`, guess(i))).status).toBe(401);
    expect((await from('2001:db8:1:2:ffff:eeee:dddd:cccc', guess(3))).status).toBe(429);
    expect((await from('2001:db8:1:3::1', guess(3))).status).toBe(401);
  });

  it.each([
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:0003:0004:0005:0006', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1:2', 'fe80:0:0:0::/64'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['192.0.2.7', '192.0.2.7'],
  ])('counts %s as %s', (address, block) => {
    expect(addressBlock(address)).toBe(block);
  });

  it('takes the IPv4-mapped address of a trusted proxy for the proxy', async () => {
    for (let i = 0; i < 3; i++) expect((await from('::ffff:10.9.0.1', guess(i), '198.51.100.3')).status).toBe(401);
    expect((await from('::1', guess(3), '198.51.100.3')).status).toBe(429);
  });
});
