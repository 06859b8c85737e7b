import { DestinationError } from '../../../destinations/errors';
import { OrttoClient } from '../../../ortto/client';
import { orttoDestination } from '../../../ortto/destination';
import { toOrttoError } from '../../../ortto/errors';
import { startOrttoSim, type RunningOrttoSim } from '../../../ortto-sim';
import { AxiosError, AxiosHeaders } from 'axios';

const KEY = 'PRV-unit-test-key';

/** An axios error as a response would make it. */
function answered(status: number, data: unknown): AxiosError {
  const config = { headers: new AxiosHeaders({ 'X-Api-Key': KEY }) };
  return new AxiosError('failed', 'ERR', config, undefined, { status, statusText: '', data, headers: {}, config });
}

describe('toOrttoError', () => {
  it.each([
    [401, 'auth'], [403, 'auth'], [404, 'notFound'], [400, 'rejected'], [423, 'rejected'], [429, 'rateLimited'], [408, 'unavailable'], [503, 'unavailable'],
  ] as const)('classifies %i as %s', (status, kind) => {
    expect(toOrttoError(answered(status, {})).kind).toBe(kind);
  });

  it("waits as a 429's try-in-seconds says", () => {
    const err = toOrttoError(answered(429, { error: { code: 'rate-limit', message: 'rate limit', 'try-in-seconds': 3 } }));
    expect(err).toMatchObject({ kind: 'rateLimited', retryAfterMs: 3000 });
  });

  it('keeps no key or address in its message', () => {
    const err = toOrttoError(answered(400, { error: `bad ${KEY} for someone@example.com` }));
    expect(err.message).toBe('Ortto answered 400: bad [redacted] for [redacted]');
  });

  it('says a timeout and a refused connection apart', () => {
    expect(toOrttoError(Object.assign(new Error('timeout of 10ms exceeded'), { code: 'ECONNABORTED' })).kind).toBe('timeout');
    expect(toOrttoError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })).kind).toBe('network');
  });
});

describe('OrttoClient and the destination against the simulator', () => {
  let sim: RunningOrttoSim;
  beforeAll(async () => {
    sim = await startOrttoSim({ keys: [KEY], rateLimit: 0, customFields: [{ name: 'Visits', type: 'integer' }], suppressed: ['quiet@example.com'] });
  });
  afterAll(() => sim.close());

  it('maps the all-invalid 400 to one result per person, not to a failure', async () => {
    const client = new OrttoClient({ baseUrl: sim.url, apiKey: KEY });
    const results = await client.merge([{ fields: { 'str::email': 'quiet@example.com' } }]);
    client.close();
    expect(results).toEqual([{ status: 'suppressed', error: 'Email is suppressed' }]);
    expect(sim.sim.stats(KEY).allInvalidMerges).toBe(1);
  });

  it('checks the key without sending anyone, and refuses a wrong one as auth', async () => {
    const destination = orttoDestination.open({ baseUrl: sim.url, apiKey: KEY });
    await expect(destination.checkKey()).resolves.toEqual({ name: 'Ortto account with 1 custom person field' });
    destination.close();
    const wrong = orttoDestination.open({ baseUrl: sim.url, apiKey: 'PRV-wrong' });
    await expect(wrong.checkKey()).rejects.toMatchObject({ kind: 'auth', status: 401 });
    wrong.close();
  });

  it('sends no merge when every contact of a batch is invalid, and answers the rest per contact', async () => {
    const destination = orttoDestination.open({ baseUrl: sim.url, apiKey: KEY });
    const before = sim.sim.stats(KEY).merges;
    const bad = await destination.upsert([{ email: 'x@y', fields: {}, place: 'T' }, { email: 'a@example.com', fields: { 'int:cm:visits': 'many' }, place: 'T' }]);
    expect(bad.every((r) => r.status === 'rejected')).toBe(true);
    expect(sim.sim.stats(KEY).merges).toBe(before);
    const mixed = await destination.upsert([
      { email: 'new@example.com', fields: { 'int:cm:visits': 2 }, place: 'T' },
      { email: 'x@y', fields: {}, place: 'T' },
      { email: 'QUIET@example.com', fields: {}, place: 'T' },
    ]);
    expect(mixed).toEqual([{ status: 'exported' }, { status: 'rejected', reason: 'not an email address Ortto accepts' }, { status: 'rejected', reason: 'Ortto: suppressed (Email is suppressed)' }]);
    await expect(destination.removeMembership('T', 'NEW@example.com')).resolves.toBe('removed');
    await expect(destination.removeMembership('T', 'nobody@example.com')).resolves.toBe('notMember');
    expect(sim.sim.person(KEY, 'new@example.com')).toMatchObject({ tags: [], fields: { 'int:cm:visits': 2 } });
    expect(sim.sim.person(KEY, 'nobody@example.com')).toBeUndefined();
    destination.close();
  });

  it('is banned after as many refused keys as the limiter allows (15 in 15 s at Ortto; 3 here)', async () => {
    const banned = await startOrttoSim({ keys: [KEY], badRequestBan: { count: 3, windowMs: 1000, banMs: 1000 } });
    const wrong = new OrttoClient({ baseUrl: banned.url, apiKey: 'PRV-wrong' });
    for (let i = 0; i < 3; i++) await expect(wrong.listCustomFields()).rejects.toBeInstanceOf(DestinationError);
    await expect(new OrttoClient({ baseUrl: banned.url, apiKey: KEY }).listCustomFields()).rejects.toMatchObject({ kind: 'rateLimited', retryAfterMs: 1000 });
    expect(banned.sim.bans()).toBe(1);
    wrong.close();
    await banned.close();
  });
});
