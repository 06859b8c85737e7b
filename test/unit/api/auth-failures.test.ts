import { createAuthFailureLimiter } from '../../../api/auth-failures';
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
    h = await createHarness({ authFailures: createAuthFailureLimiter(limits(clock)) });
  }, HARNESS_TIMEOUT);
  afterAll(() => h.close());

  /** As if from `address`, through the node server. */
  const from = (address: string, path: string, token?: string) =>
    h.app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} }, { incoming: { socket: { remoteAddress: address } } });

  it('answers 429 with Retry-After after repeated failures from one address, even to a good token', async () => {
    for (let i = 0; i < 3; i++) expect((await from('10.0.0.1', '/segments', `ape_guess${i}`)).status).toBe(401);
    const refused = await from('10.0.0.1', '/segments', h.tokens.admin);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await json(refused)).error).toMatchObject({ code: 'too_many_failed_attempts' });

    expect((await from('10.0.0.2', '/segments', h.tokens.admin)).status).toBe(200);
    expect((await from('10.0.0.1', '/health')).status).toBe(200);

    clock.t += 60_000;
    expect((await from('10.0.0.1', '/segments', h.tokens.admin)).status).toBe(200);
  });
});
