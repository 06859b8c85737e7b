import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { DataverseError, tokenError, type ErrorContext } from './errors';

export interface ClientCredentials {
  /** e.g. https://login.microsoftonline.com, or a local fake's origin. */
  authorityUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** `{organization URI}/.default`: a token for Dataverse with the app's own permissions. */
  scope: string;
}

const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.coerce.number().positive(),
});

/** Refresh this long before expiry (at most half the lifetime), so no request leaves with a token about to lapse. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * A client-credentials token for Dataverse, from Microsoft Entra ID's v2.0 token endpoint
 * (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
 * Tokens last about an hour: one is fetched when none is held, refreshed ahead of its expiry, and
 * dropped when Dataverse answers 401 ({@link invalidate}). Concurrent callers share one request.
 * The token stays in memory only.
 */
export class TokenCache {
  private token?: { value: string; refreshAt: number };
  private inFlight?: Promise<string>;
  /** Tokens obtained so far; for tests and diagnostics. */
  issued = 0;

  constructor(
    private readonly http: AxiosInstance,
    private readonly credentials: ClientCredentials,
    private readonly context: ErrorContext,
    private readonly now: () => number = Date.now,
  ) {}

  get tokenUrl(): string {
    const { authorityUrl, tenantId } = this.credentials;
    return `${authorityUrl.replace(/\/+$/, '')}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
  }

  async get(): Promise<string> {
    if (this.token && this.now() < this.token.refreshAt) return this.token.value;
    // Shared by concurrent callers, so no one caller's abort signal may cancel it; the timeout bounds it.
    this.inFlight ??= this.fetch().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Forgets `value` if it is still the held token (another caller may have refreshed it already). */
  invalidate(value: string): void {
    if (this.token?.value === value) this.token = undefined;
  }

  private async fetch(): Promise<string> {
    const { clientId, clientSecret, scope } = this.credentials;
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope });
    let data: unknown;
    try {
      ({ data } = await this.http.post(this.tokenUrl, form.toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      }));
    } catch (err) {
      throw tokenError(err, this.context);
    }
    const parsed = TokenResponseSchema.safeParse(data);
    if (!parsed.success) {
      throw new DataverseError('unavailable', `Microsoft Entra ID answered the token request of client ${this.context.clientId} with an unreadable response`);
    }
    const lifetimeMs = parsed.data.expires_in * 1000;
    const margin = Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2);
    this.token = { value: parsed.data.access_token, refreshAt: this.now() + lifetimeMs - margin };
    this.issued++;
    return this.token.value;
  }
}
