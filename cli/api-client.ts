import { ApiError, CliError } from './errors';
import type { Connection, Export, ImportResult, Outcome, Run, RunAction, RunActionResult, RunStarted, RunSummary } from './types';

export interface ApiClientOptions {
  baseUrl: string;
  token: string;
  /** Injected by unit tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export interface OutcomePage {
  outcomes: Outcome[];
  nextCursor: string | null;
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** What `run` may ask of a run beyond the export's settings. */
export interface StartOptions {
  dryRun?: boolean;
  mode?: 'full' | 'incremental';
}

/** The URL as it may be shown: credentials in it (user:password@) are dropped. */
export function displayUrl(url: URL): string {
  return url.origin + url.pathname.replace(/\/$/, '');
}

export function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError('bad_url', `not a URL: "${raw}" (set SEGMENT_EXPORT_URL or --url, e.g. http://localhost:3000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError('bad_url', `the API URL must be http or https, not ${url.protocol}`);
  return url;
}

/** The typed HTTP calls of the command line: one method per API route it uses. */
export function createApiClient(options: ApiClientOptions) {
  const base = parseBaseUrl(options.baseUrl);
  const doFetch = options.fetch ?? fetch;
  const root = base.href.replace(/\/$/, '');

  async function request<T>(method: string, path: string, init: { body?: ReadableStream<Uint8Array> | string; contentType?: string } = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'application/json' };
    if (init.contentType) headers['content-type'] = init.contentType;
    let res: Response;
    try {
      // duplex 'half' is what fetch needs to stream a request body (the import).
      res = await doFetch(root + path, { method, headers, body: init.body, duplex: 'half' } as RequestInit);
    } catch (err) {
      throw unreachable(base, err);
    }
    return readAnswer<T>(res);
  }

  const enc = encodeURIComponent;
  return {
    listConnections: () => request<{ connections: Connection[] }>('GET', '/connections').then((b) => b.connections),
    listExports: () => request<{ exports: Export[] }>('GET', '/exports').then((b) => b.exports),
    listRuns: (exportId: string, limit = 200) =>
      request<{ runs: RunSummary[] }>('GET', `/exports/${enc(exportId)}/runs?limit=${limit}`).then((b) => b.runs),
    /** Options go in a JSON body; with none, no body (a run in the export's mode). */
    startRun: (exportId: string, options: StartOptions = {}) =>
      request<RunStarted>(
        'POST',
        `/exports/${enc(exportId)}/runs`,
        Object.keys(options).length > 0 ? { body: JSON.stringify(options), contentType: 'application/json' } : {},
      ),
    redriveRun: (runId: string) => request<RunStarted>('POST', `/runs/${enc(runId)}/redrive`),
    getRun: (runId: string) => request<Run>('GET', `/runs/${enc(runId)}`),
    runAction: (runId: string, action: RunAction) => request<RunActionResult>('POST', `/runs/${enc(runId)}/${action}`),
    outcomesPage: (runId: string, query: { status?: string; cursor?: string; limit?: number }) => {
      const params = new URLSearchParams({ limit: String(query.limit ?? 1000) });
      if (query.status) params.set('status', query.status);
      if (query.cursor) params.set('cursor', query.cursor);
      return request<OutcomePage>('GET', `/runs/${enc(runId)}/outcomes?${params}`);
    },
    importProfiles: (body: ReadableStream<Uint8Array>) =>
      request<ImportResult>('POST', '/profiles/import', { body, contentType: 'application/x-ndjson' }),
  };
}

/** Every page of a run's outcomes, following nextCursor. */
export async function allOutcomes(client: Pick<ApiClient, 'outcomesPage'>, runId: string, status?: string): Promise<Outcome[]> {
  const rows: Outcome[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.outcomesPage(runId, { status, cursor });
    rows.push(...page.outcomes);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

async function readAnswer<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined; // not JSON (a proxy's error page, say): the status line says enough
  }
  if (res.ok) return body as T;
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    throw new ApiError(res.status, error.code, error.message, error.details as Record<string, unknown> | undefined);
  }
  throw new ApiError(res.status, 'http_error', `the API answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
}

function unreachable(base: URL, err: unknown): CliError {
  // fetch reports network failures as "fetch failed" with the system error (ECONNREFUSED, ENOTFOUND…) as cause.
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const why = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : String((err as Error).message ?? err);
  return new CliError('unreachable', `cannot reach the API at ${displayUrl(base)} (${why}): is it running? (set SEGMENT_EXPORT_URL or --url)`);
}
