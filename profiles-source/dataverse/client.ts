import { setTimeout as sleep } from 'node:timers/promises';
import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import { hostOf, type OutboundPolicy } from '../../outbound/policy';
import { dataError, DataverseError, transportError, type ErrorContext } from './errors';
import { backoffMs, RetryAfterGate } from './throttle';
import { TokenCache } from './token';

export const DEFAULT_AUTHORITY_URL = 'https://login.microsoftonline.com';

/**
 * Dataverse returns at most 5,000 rows per page and ignores a larger `odata.maxpagesize`
 * (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/page-results).
 */
export const MAX_PAGE_SIZE = 5_000;

export interface DataverseClientOptions {
  /** The organization URI, e.g. https://contoso.crm.dynamics.com. */
  organizationUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Default {@link DEFAULT_AUTHORITY_URL}; a local fake's origin in tests and demos. */
  authorityUrl?: string;
  /** Both the organization URI and the authority must pass it; connections go only where it allows. */
  outbound: OutboundPolicy;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  /** Sends of one request, first included, before a retryable failure is thrown; default 6. */
  maxAttempts?: number;
  /** First backoff after a 5xx or timeout without `Retry-After`; default 1 s, doubling. */
  retryBaseDelayMs?: number;
  /** A single wait longer than this is not waited here but thrown (retryable), for the caller to retry later; default 5 min. */
  maxWaitMs?: number;
  /**
   * Longest a request may be held by a `Retry-After` that came before it (this client's own or another
   * request's); a longer hold is thrown at once as a retryable `rateLimited` error whose `retryAfterMs`
   * is the time left, and nothing is sent. It also caps this client's own waits after a 429. For callers
   * someone is waiting on (the API); default no limit, for workers, which heartbeat while held.
   */
  maxHoldMs?: number;
  /** The clock of token expiry and `Retry-After` waits; for tests. */
  now?: () => number;
}

export interface ODataPage {
  value: Record<string, unknown>[];
  /** The next page's URL (with its `$skiptoken` paging cookie), absent on the last page. */
  nextLink: string | null;
}

export interface ODataQuery {
  select?: string[];
  filter?: string;
}

const PageSchema = z.object({
  value: z.array(z.record(z.string(), z.unknown())),
  '@odata.nextLink': z.string().optional(),
});

/**
 * Read-only access to the Dataverse Web API of one environment (`{organization URI}/api/data/v9.2/`;
 * Microsoft recommends it for reads only: https://learn.microsoft.com/en-us/dynamics365/customer-insights/data/dv-odata).
 * Authenticates with client credentials, refreshes the token before it expires and once on a 401,
 * follows `@odata.nextLink` only within this environment, honours `Retry-After` for every request of
 * the client, retries 5xx and timeouts with backoff, and throws every failure as a {@link DataverseError}.
 * It never logs.
 */
export class DataverseClient {
  readonly serviceRoot: string;
  private readonly http: AxiosInstance;
  private readonly tokens: TokenCache;
  private readonly gate: RetryAfterGate;
  private readonly context: ErrorContext;
  private readonly agents: ReturnType<OutboundPolicy['agents']>;
  private readonly maxAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxWaitMs: number;
  private readonly maxHoldMs: number;

  constructor(private readonly options: DataverseClientOptions) {
    const organizationUrl = options.organizationUrl.replace(/\/+$/, '');
    const authorityUrl = options.authorityUrl ?? DEFAULT_AUTHORITY_URL;
    this.serviceRoot = `${organizationUrl}/api/data/v9.2/`;
    this.context = { tenantId: options.tenantId, clientId: options.clientId, host: safeHost(organizationUrl), secret: options.clientSecret };
    this.agents = options.outbound.agents({ keepAlive: true });
    this.http = axios.create({ timeout: options.timeoutMs ?? 30_000, ...this.agents, maxRedirects: 0, proxy: false });
    const scope = `${organizationUrl}/.default`;
    const credentials = { authorityUrl, tenantId: options.tenantId, clientId: options.clientId, clientSecret: options.clientSecret, scope };
    this.tokens = new TokenCache(this.http, credentials, { ...this.context, host: safeHost(authorityUrl) }, options.now);
    this.gate = new RetryAfterGate(options.now);
    this.maxAttempts = options.maxAttempts ?? 6;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 1_000;
    this.maxWaitMs = options.maxWaitMs ?? 5 * 60_000;
    this.maxHoldMs = options.maxHoldMs ?? Infinity;
    this.checkOutbound('DATAVERSE_URL', this.serviceRoot);
    this.checkOutbound('DATAVERSE_AUTHORITY_URL', this.tokens.tokenUrl);
  }

  /** Tokens obtained so far (one per hour or so, plus one after each refused token). */
  get tokensIssued(): number {
    return this.tokens.issued;
  }

  /** The first page of `table`, at most `pageSize` rows (clamped to 1…5,000). */
  async query(table: string, query: ODataQuery, pageSize: number, signal?: AbortSignal): Promise<ODataPage> {
    const options = [query.select && `$select=${encodeURIComponent(query.select.join(','))}`, query.filter && `$filter=${encodeURIComponent(query.filter)}`];
    const search = options.filter(Boolean).join('&');
    return this.get(`${this.serviceRoot}${table}${search ? `?${search}` : ''}`, pageSize, `GET ${table}`, signal);
  }

  /** The page a `nextLink` of `table` points to; a link to anywhere else is refused before any request. */
  async next(nextLink: string, table: string, pageSize: number, signal?: AbortSignal): Promise<ODataPage> {
    if (!this.isLinkOf(nextLink, table)) {
      throw new DataverseError('badCursor', `The cursor is not a page of ${table} in this Dataverse environment (${this.context.host})`);
    }
    this.checkOutbound('the cursor', nextLink);
    return this.get(nextLink, pageSize, `GET ${table} (next page)`, signal);
  }

  close(): void {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }

  private isLinkOf(link: string, table: string): boolean {
    try {
      const url = new URL(link);
      const root = new URL(`${this.serviceRoot}${table}`);
      return url.origin === root.origin && url.pathname === root.pathname;
    } catch {
      return false;
    }
  }

  private checkOutbound(what: string, url: string): void {
    try {
      this.options.outbound.check(url);
    } catch (err) {
      throw new DataverseError('config', `${what} may not be called: ${(err as Error).message}`);
    }
  }

  /** One GET with everything around it: the Retry-After gate, the token, one refresh on 401, retries. */
  private async get(url: string, pageSize: number, what: string, signal?: AbortSignal): Promise<ODataPage> {
    const size = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(pageSize)));
    let refreshedAfter401 = false;
    for (let attempt = 1; ; attempt++) {
      await this.passGate(what, signal);
      let token: string | undefined;
      try {
        token = await this.tokens.get();
        return this.parse(await this.send(url, token, size, signal), what);
      } catch (err) {
        const error = err instanceof DataverseError ? err : this.classify(err, what);
        if (error.status === 401 && token && !refreshedAfter401) {
          // The token lapsed (or was revoked) since it was fetched: one new token, same request.
          this.tokens.invalidate(token);
          refreshedAfter401 = true;
          attempt--;
          continue;
        }
        await this.beforeRetry(error, attempt, signal);
      }
    }
  }

  /** Waits out a `Retry-After` hold, or refuses one longer than this client may be held. */
  private async passGate(what: string, signal?: AbortSignal): Promise<void> {
    const outcome = await this.gate.wait({ signal, maxHoldMs: this.maxHoldMs });
    if (outcome.passed) return;
    const seconds = Math.ceil(outcome.remainingMs / 1000);
    throw new DataverseError('rateLimited', `Dataverse (${this.context.host}) asked this client to wait another ${seconds} s (Retry-After) before ${what}; not sent`, {
      retryAfterMs: outcome.remainingMs,
    });
  }

  private async send(url: string, token: string, pageSize: number, signal?: AbortSignal): Promise<unknown> {
    const response = await this.http.get(url, {
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/json',
        'OData-MaxVersion': '4.0',
        'OData-Version': '4.0',
        Prefer: `odata.maxpagesize=${pageSize}`,
      },
      signal,
    });
    return response.data;
  }

  private classify(err: unknown, what: string): DataverseError {
    return axios.isAxiosError(err) && err.response ? dataError(err, this.context, what) : transportError(err, `Dataverse (${this.context.host})`);
  }

  /** Throws when the failure is final; otherwise waits as long as the service asked (or backs off). */
  private async beforeRetry(error: DataverseError, attempt: number, signal?: AbortSignal): Promise<void> {
    if (!error.retryable) throw error;
    const waitMs = error.retryAfterMs ?? backoffMs(attempt, this.retryBaseDelayMs);
    // A Retry-After holds all of this client's requests, not just this one: early ones would extend the wait.
    const told = error.retryAfterMs !== undefined || error.kind === 'rateLimited';
    if (told) this.gate.holdFor(waitMs);
    // A hold longer than this client may be held is Dataverse's own answer (its status, its Retry-After) to pass on.
    const mayWaitMs = told ? Math.min(this.maxWaitMs, this.maxHoldMs) : this.maxWaitMs;
    if (attempt >= this.maxAttempts || waitMs > mayWaitMs) throw error;
    if (!told) await sleep(waitMs, undefined, { signal });
  }

  private parse(data: unknown, what: string): ODataPage {
    const parsed = PageSchema.safeParse(data);
    if (!parsed.success) throw new DataverseError('unavailable', `Dataverse (${this.context.host}) answered ${what} with an unreadable page`);
    return { value: parsed.data.value, nextLink: parsed.data['@odata.nextLink'] ?? null };
  }
}

function safeHost(url: string): string {
  try {
    return hostOf(url);
  } catch {
    return 'an invalid URL';
  }
}
