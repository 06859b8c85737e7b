import axios from 'axios';
import { AutopilotError } from '../../../autopilot';
import { API_KEY, buildContacts, rejectionOf, startHarness, type Harness } from './fixtures';

/** Every AutopilotError must be safe to log: no key, no address. */
function expectSafeMessage(err: unknown): void {
  const message = (err as Error).message;
  expect(message).not.toContain(API_KEY);
  expect(message).not.toMatch(/@/);
}

describe('AutopilotClient under simulated faults', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('lets at most the rate limit through per second and answers the rest 429', async () => {
    h = await startHarness({ rateLimit: 5 });
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => h!.client.getAccount()));
    const rejected = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as AutopilotError] : []));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(rejected.map((e) => e.kind)).toEqual(Array(7).fill('rateLimited'));
    expect(rejected[0].message).toBe('Autopilot answered 429 Too Many Requests: You have exceeded your request rate of 5 r/s.');
    const stats = h.running.sim.stats(API_KEY);
    expect(stats).toMatchObject({ requests: 12, served: 5, rateLimited: 7 });
    expect(stats.maxPerSecond).toBeLessThanOrEqual(5);
  });

  it('reads Retry-After into retryAfterMs when the simulator sends it', async () => {
    h = await startHarness({ rateLimit: 1, retryAfterHeader: true });
    await h.client.getAccount();
    const err = await rejectionOf(h.client.getAccount());
    expect(err).toMatchObject({ kind: 'rateLimited', status: 429, retryAfterMs: 1_000 });
  });

  it('classifies an injected 500 as unavailable', async () => {
    h = await startHarness({ faults: { errorRate: 1 } });
    const err = await rejectionOf(h.client.upsertContacts(buildContacts(2)));
    expect(err).toMatchObject({ kind: 'unavailable', status: 500 });
    expect((err as Error).message).toBe('Autopilot answered 500 Internal Server Error: Simulated failure.');
    expectSafeMessage(err);
    expect(h.running.sim.contacts(API_KEY)).toHaveLength(0);
  });

  it('classifies a 500 with an empty body as unavailable', async () => {
    h = await startHarness({ faults: { emptyBodyErrorRate: 1 } });
    const err = await rejectionOf(h.client.listLists());
    expect(err).toMatchObject({ kind: 'unavailable', status: 500 });
    expect((err as Error).message).toBe('Autopilot answered 500 Internal Server Error');
  });

  it('times out, and the timed-out upsert was still applied', async () => {
    h = await startHarness({ faults: { timeoutRate: 1, timeoutHoldMs: 5_000 } }, { timeoutMs: 150 });
    const started = Date.now();
    const err = await rejectionOf(h.client.upsertContacts(buildContacts(3)));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err).toMatchObject({ kind: 'timeout' });
    expect((err as Error).message).toBe('Autopilot did not answer within 150 ms');
    expectSafeMessage(err);
    expect(h.running.sim.contacts(API_KEY).map((c) => c.Email).sort()).toEqual(buildContacts(3).map((c) => c.Email));
  });

  it('classifies the 408 that ends a held request as unavailable', async () => {
    h = await startHarness({ faults: { timeoutRate: 1, timeoutHoldMs: 50 } });
    const err = await rejectionOf(h.client.getAccount());
    expect(err).toMatchObject({ kind: 'unavailable', status: 408 });
  });

  it('answers bursts of 429 regardless of the rate', async () => {
    h = await startHarness({ faults: { burst429: { every: 2, length: 1 } } });
    await h.client.listLists();
    await h.client.listLists();
    const err = await rejectionOf(h.client.listLists());
    expect(err).toMatchObject({ kind: 'rateLimited', status: 429 });
    await expect(h.client.listLists()).resolves.toEqual([]);
    expect(h.running.sim.stats(API_KEY)).toMatchObject({ served: 3, rateLimited: 1 });
  });

  it('classifies a whole-batch 400 as rejected and stores nothing', async () => {
    h = await startHarness({ faults: { rejectBatchIfEmailMatches: '^poison@' } });
    const contacts = [...buildContacts(2), { Email: 'poison@example.com' }];
    const err = await rejectionOf(h.client.upsertContacts(contacts));
    expect(err).toMatchObject({ kind: 'rejected', status: 400 });
    expect((err as Error).message).toBe('Autopilot answered 400 Bad Request: Invalid contact data.');
    expectSafeMessage(err);
    expect(h.running.sim.contacts(API_KEY)).toHaveLength(0);
  });

  it('refuses the emails listed in refuseEmails and keeps the rest', async () => {
    h = await startHarness({ faults: { refuseEmails: ['person1@example.com'] } });
    const result = await h.client.upsertContacts(buildContacts(3));
    expect(result.refused).toEqual([1]);
  });

  it('classifies a refused connection as network', async () => {
    h = await startHarness();
    const { url } = h.running;
    await h.close();
    h = await startHarness({}, { baseUrl: url });
    await h.running.close();
    const err = await rejectionOf(h.client.getAccount());
    expect(err).toMatchObject({ kind: 'network', code: 'ECONNREFUSED' });
    h.client.close();
    h = undefined;
  });

  it('rethrows cancellation unchanged instead of classifying it', async () => {
    h = await startHarness({ faults: { latencyMs: 2_000 } });
    const controller = new AbortController();
    const pending = h.client.getAccount(controller.signal);
    setTimeout(() => controller.abort(), 20);
    const err = await rejectionOf(pending);
    expect(axios.isCancel(err)).toBe(true);
    expect(err).not.toBeInstanceOf(AutopilotError);
  });
});
