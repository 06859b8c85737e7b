import axios from 'axios';
import { z } from 'zod';
import { ProfileSourceError, type ProfileSourceErrorKind } from '../source';

/**
 * A classified Dataverse or Microsoft Entra ID failure. Like every {@link ProfileSourceError}, its
 * message names the tenant, client id, host or segment, never the client secret or a token; the raw
 * axios error is not kept as `cause`, because its config holds the secret (token requests) or the
 * bearer token (data requests).
 */
export class DataverseError extends ProfileSourceError {
  override readonly name = 'DataverseError';
}

/** What a message may name about the caller: who it is, never how it proves it. */
export interface ErrorContext {
  tenantId: string;
  clientId: string;
  host: string;
  /** Removed from any text a remote sends back, in case it echoes it. */
  secret: string;
}

/** Entra ID's error body (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow). */
const TokenErrorSchema = z.object({
  error: z.string(),
  error_description: z.string().optional(),
  error_codes: z.array(z.number()).optional(),
});

/** Dataverse Web API's error body: `{"error": {"code", "message"}}`. */
const ODataErrorSchema = z.object({ error: z.object({ code: z.string().optional(), message: z.string().optional() }) });

/** Entra ID codes that mean the configuration is wrong, with what to check (https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes). */
const ENTRA_HINTS: Record<number, string> = {
  90002: 'the tenant does not exist: check DATAVERSE_TENANT_ID',
  900023: 'the tenant id is malformed: check DATAVERSE_TENANT_ID',
  700016: 'no application with this client id in the tenant: check DATAVERSE_CLIENT_ID',
  7000215: 'the client secret is wrong: check DATAVERSE_CLIENT_SECRET (or create a new one)',
  7000222: 'the client secret has expired: create a new one in the app registration',
  70011: 'the scope is refused: check DATAVERSE_URL (the organization URI)',
  500011: 'the resource is not in the tenant: check DATAVERSE_URL and DATAVERSE_TENANT_ID',
};

/** Classifies a failed token request. Any 4xx but 429 is configuration: retrying cannot fix it. */
export function tokenError(err: unknown, ctx: ErrorContext): DataverseError {
  const response = axios.isAxiosError(err) ? err.response : undefined;
  if (!response) return transportError(err, `Microsoft Entra ID (${ctx.host})`);
  const { status } = response;
  const who = `tenant ${ctx.tenantId}, client ${ctx.clientId}`;
  if (status === 429 || status >= 500) {
    return new DataverseError(status === 429 ? 'rateLimited' : 'unavailable', `Microsoft Entra ID answered ${status} to the token request (${who})`, {
      status,
      retryAfterMs: parseRetryAfter(response.headers?.['retry-after']),
    });
  }
  const body = TokenErrorSchema.safeParse(response.data);
  const code = body.success ? body.data.error_codes?.[0] : undefined;
  const hint = code !== undefined ? ENTRA_HINTS[code] : undefined;
  const said = body.success ? `${body.data.error}${code !== undefined ? ` AADSTS${code}` : ''}` : `status ${status}`;
  const detail = hint ?? (body.success ? firstSentence(body.data.error_description, ctx.secret) : undefined);
  return new DataverseError('auth', `Microsoft Entra ID refused the client credentials (${who}): ${said}${detail ? `; ${detail}` : ''}`, { status });
}

/** Classifies a failed Dataverse Web API request. */
export function dataError(err: unknown, ctx: ErrorContext, what: string): DataverseError {
  const response = axios.isAxiosError(err) ? err.response : undefined;
  if (!response) return transportError(err, `Dataverse (${ctx.host})`);
  const { status } = response;
  const body = ODataErrorSchema.safeParse(response.data);
  const said = body.success && body.data.error.message ? `: ${firstSentence(body.data.error.message, ctx.secret)}` : '';
  const [kind, advice] = classifyDataStatus(status);
  const text = `Dataverse (${ctx.host}) answered ${status} to ${what}${said}${advice ? `; ${advice}` : ''}`;
  return new DataverseError(kind, text, { status, retryAfterMs: parseRetryAfter(response.headers?.['retry-after']) });
}

function classifyDataStatus(status: number): [ProfileSourceErrorKind, string | undefined] {
  if (status === 401) return ['auth', 'the token was refused: is the app registration an application user of this environment?'];
  if (status === 403) return ['forbidden', 'the app registration needs Viewer permission on Customer Insights – Data'];
  if (status === 404) return ['notFound', 'is Customer Insights – Data connected to this Dataverse environment (DATAVERSE_URL)?'];
  if (status === 429) return ['rateLimited', undefined];
  if (status === 408 || status >= 500) return ['unavailable', undefined];
  return ['rejected', undefined];
}

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

/** No answer at all: a timeout or a network failure, both retryable; an outbound refusal is configuration. */
export function transportError(err: unknown, who: string): DataverseError {
  if (axios.isCancel(err)) throw err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
  const message = err instanceof Error ? err.message : '';
  if (code === 'EOUTBOUNDREFUSED') return new DataverseError('config', `${who} may not be called: ${message}`);
  if ((code && TIMEOUT_CODES.has(code)) || /timeout/i.test(message)) return new DataverseError('timeout', `${who} did not answer in time`);
  return new DataverseError('network', `${who} could not be reached (${code ?? 'no response'})`);
}

const MAX_DETAIL_LENGTH = 160;

/** Remote text up to its first line or sentence (Entra appends trace ids and timestamps), secret removed. */
function firstSentence(text: string | undefined, secret: string): string | undefined {
  if (!text) return undefined;
  let clean = text.split(/\r?\n/)[0].trim();
  if (secret) clean = clean.split(secret).join('[redacted]');
  return clean.length > MAX_DETAIL_LENGTH ? `${clean.slice(0, MAX_DETAIL_LENGTH - 1)}…` : clean;
}

/** `Retry-After` is delta-seconds or an HTTP date (RFC 9110 10.2.3). */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
