import { connectionBody } from './fixtures';
import { createHarness, HARNESS_TIMEOUT, json, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, HARNESS_TIMEOUT);
afterAll(() => h.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectSecurityHeaders(res: Response): void {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(res.headers.get('x-request-id')).toMatch(UUID);
  expect(res.headers.get('cache-control')).toBe('no-store');
}

describe('response headers', () => {
  it('are on every response: success, errors, unknown routes, oversized bodies', async () => {
    const responses = [
      await h.call('anonymous', 'GET', '/health'),
      await h.call('admin', 'GET', '/segments'),
      await h.call('anonymous', 'GET', '/segments'),
      await h.call('contributor', 'GET', '/tokens'),
      await h.call('admin', 'GET', '/no-such-route'),
      await h.call('admin', 'POST', '/tokens', '{not json'),
      await h.call('admin', 'POST', '/tokens', { name: 'x'.repeat(300 * 1024), role: 'admin' }),
      await h.call('anonymous', 'GET', '/docs'),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 401, 403, 404, 400, 413, 200]);
    for (const res of responses) expectSecurityHeaders(res);
  });

  it('keeps a sane X-Request-Id from the caller and replaces anything else', async () => {
    const ask = (id: string) => h.app.request('/health', { headers: { 'x-request-id': id } });
    expect((await ask('trace-42_abc=')).headers.get('x-request-id')).toBe('trace-42_abc=');
    for (const odd of ['has spaces', 'x'.repeat(129), '<script>', 'a\u00e9b']) {
      expect((await ask(odd)).headers.get('x-request-id')).toMatch(UUID);
    }
  });

  it('puts the request id on every log line the request wrote', async () => {
    h.logs.length = 0;
    const res = await h.app.request('/connections', {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'application/json', 'x-request-id': 'create-conn-1' },
      body: JSON.stringify(connectionBody(h)),
    });
    expect(res.status).toBe(201);
    const lines = h.logs.map((l) => JSON.parse(l) as { message: string; requestId?: string });
    expect(lines.map((l) => l.message)).toEqual(expect.arrayContaining(['Connection created', 'Request']));
    for (const line of lines) expect(line.requestId).toBe('create-conn-1');
    expect((await json(res)).id).toBeDefined();
  });
});
