import { Hono } from 'hono';
import { createErrorHandler } from '../../../api/errors';
import type { Logger } from '../../../api/logger';
import { fromSource } from '../../../api/source-errors';
import { ProfileSourceError } from '../../../profiles-source';
import { json } from './harness';

/** A one-route app whose source call fails as given, answered by the API's own error handler. */
async function answerTo(error: unknown): Promise<Response> {
  const logger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const app = new Hono();
  app.onError(createErrorHandler(logger));
  app.get('/x', async (c) => c.json(await fromSource(c, () => Promise.reject(error))));
  return app.request('/x');
}

describe('fromSource: profile source failures in HTTP terms', () => {
  it.each([
    ['the remaining hold, rounded up', 12_300, '13'],
    ['under a second as one second', 200, '1'],
    ['a hold already over as one second', 0, '1'],
    ['a very long one capped at five minutes', 3_600_000, '300'],
  ])('a throttled source is a 503 whose Retry-After carries %s', async (_what, retryAfterMs, header) => {
    const res = await answerTo(new ProfileSourceError('rateLimited', 'Dataverse is throttling', { retryAfterMs }));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe(header);
    expect((await json(res)).error.code).toBe('profile_source_unavailable');
  });

  it('a source down without a Retry-After is a 503 with a default one', async () => {
    const res = await answerTo(new ProfileSourceError('network', 'Dataverse could not be reached'));
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('a source that refuses this deployment is a 502 without Retry-After', async () => {
    const res = await answerTo(new ProfileSourceError('auth', 'the client secret is wrong'));
    expect(res.status).toBe(502);
    expect(res.headers.get('retry-after')).toBeNull();
    expect((await json(res)).error.code).toBe('profile_source_error');
  });
});
