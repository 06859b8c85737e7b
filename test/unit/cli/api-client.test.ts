import { allOutcomes, createApiClient } from '../../../cli/api-client';
import { ApiError, CliError, describeError } from '../../../cli/errors';

const TOKEN = 'secret-token-0123';

/** A fetch that records its calls and answers `answer` (or throws it). */
function fakeFetch(answer: Response | Error) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    if (answer instanceof Error) throw answer;
    return answer;
  }) as unknown as typeof fetch;
  return { fn, calls };
}
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('cli api client', () => {
  it('sends the token as a bearer and ids escaped in the path', async () => {
    const f = fakeFetch(json(202, { runId: 'r1', links: { self: '/runs/r1', outcomes: '/runs/r1/outcomes' } }));
    const client = createApiClient({ baseUrl: 'http://api.test:3000/', token: TOKEN, fetch: f.fn });

    expect(await client.startRun('a/b')).toMatchObject({ runId: 'r1' });
    expect(f.calls[0].url).toBe('http://api.test:3000/exports/a%2Fb/runs');
    expect(f.calls[0].init.method).toBe('POST');
    expect((f.calls[0].init.headers as Record<string, string>).authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('sends run options as a JSON body, and no body without any; re-drives by run id', async () => {
    const answer = () => json(202, { runId: 'r1', links: { self: '/runs/r1', outcomes: '/runs/r1/outcomes' } });
    const f = fakeFetch(answer());
    const client = createApiClient({ baseUrl: 'http://api.test', token: TOKEN, fetch: f.fn });
    await client.startRun('e1', { dryRun: true, mode: 'full' });
    expect(f.calls[0].init.body).toBe('{"dryRun":true,"mode":"full"}');
    expect((f.calls[0].init.headers as Record<string, string>)['content-type']).toBe('application/json');

    const g = fakeFetch(answer());
    const plain = createApiClient({ baseUrl: 'http://api.test', token: TOKEN, fetch: g.fn });
    await plain.startRun('e1');
    expect(g.calls[0].init.body).toBeUndefined();

    const r = fakeFetch(answer());
    await createApiClient({ baseUrl: 'http://api.test', token: TOKEN, fetch: r.fn }).redriveRun('run/1');
    expect(r.calls[0]).toMatchObject({ url: 'http://api.test/runs/run%2F1/redrive', init: { method: 'POST' } });
  });

  it('turns the error envelope into an ApiError that names the run going', async () => {
    const body = { error: { code: 'run_in_progress', message: 'A run of this export is already going', details: { runId: 'r9' } } };
    const client = createApiClient({ baseUrl: 'http://api.test', token: TOKEN, fetch: fakeFetch(json(409, body)).fn });

    const err = await client.startRun('e1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(describeError(err)).toBe('A run of this export is already going (run r9) [run_in_progress, HTTP 409]');
  });

  it('says the status when an error is not the envelope (a proxy page, say)', async () => {
    const client = createApiClient({ baseUrl: 'http://api.test', token: TOKEN, fetch: fakeFetch(new Response('<html>', { status: 502, statusText: 'Bad Gateway' })).fn });
    expect(describeError(await client.listExports().catch((e: unknown) => e))).toBe('the API answered HTTP 502 Bad Gateway [http_error, HTTP 502]');
  });

  it('reports an unreachable API in one line, without credentials or the token', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const client = createApiClient({ baseUrl: 'http://user:pw@127.0.0.1:9/', token: TOKEN, fetch: fakeFetch(refused).fn });

    const err = await client.listConnections().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    const line = describeError(err);
    expect(line).toBe('cannot reach the API at http://127.0.0.1:9 (ECONNREFUSED): is it running? (set SEGMENT_EXPORT_URL or --url)');
    expect(line).not.toContain(TOKEN);
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => createApiClient({ baseUrl: 'localhost:3000', token: TOKEN })).toThrow(/http or https/);
    expect(() => createApiClient({ baseUrl: 'nope', token: TOKEN })).toThrow(/not a URL/);
  });

  it('follows nextCursor through every page of outcomes', async () => {
    const row = (id: string) => ({ profileId: id, email: null, status: 'rejected' as const, reason: 'invalid email', sentAs: null });
    const pages: Record<string, { outcomes: ReturnType<typeof row>[]; nextCursor: string | null }> = {
      start: { outcomes: [row('p1'), row('p2')], nextCursor: 'c1' },
      c1: { outcomes: [row('p3')], nextCursor: null },
    };
    const asked: (string | undefined)[] = [];
    const outcomesPage = async (_runId: string, q: { status?: string; cursor?: string }) => {
      asked.push(q.cursor);
      expect(q.status).toBe('rejected');
      return pages[q.cursor ?? 'start'];
    };

    const rows = await allOutcomes({ outcomesPage }, 'r1', 'rejected');
    expect(rows.map((r) => r.profileId)).toEqual(['p1', 'p2', 'p3']);
    expect(asked).toEqual([undefined, 'c1']);
  });
});
