import axios, { type AxiosError } from 'axios';
import { DestinationError, type DestinationErrorKind, type DestinationErrorOptions } from '../destinations/errors';
import { ErrorBodySchema } from './contract';

export type AutopilotErrorKind = DestinationErrorKind;
export type AutopilotErrorOptions = DestinationErrorOptions;

/**
 * A classified Autopilot failure (see {@link DestinationError}). The message names the status and
 * Autopilot's own wording only. The raw axios error is deliberately not kept as `cause`, because
 * its config holds the key and the contacts.
 */
export class AutopilotError extends DestinationError {
  override readonly name = 'AutopilotError';
}

const MAX_MESSAGE_LENGTH = 200;
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const EMAIL_LIKE = /[^\s"'<>(),;:@]+@[^\s"'<>(),;:@]+/g;
const HEX_KEY_LIKE = /\b[0-9a-f]{32}\b/gi;

/**
 * Classifies any failure of an Autopilot HTTP call, once. Cancellation (axios `CanceledError`
 * from an aborted `AbortSignal`) is not a failure of Autopilot: it is rethrown unchanged.
 */
export function toAutopilotError(err: unknown): AutopilotError {
  if (err instanceof AutopilotError) return err;
  if (axios.isCancel(err)) throw err;
  if (axios.isAxiosError(err)) {
    return err.response ? fromResponse(err) : fromTransport(err.code, err.message, err.config?.timeout);
  }
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
  const message = err instanceof Error ? err.message : '';
  return fromTransport(code, message, undefined);
}

function fromResponse(err: AxiosError): AutopilotError {
  const response = err.response!;
  const { status } = response;
  const body = ErrorBodySchema.safeParse(response.data);
  const title = (body.success && body.data.error) || response.statusText || '';
  const detail = body.success ? body.data.message : undefined;
  const secret = headerValue(err.config?.headers?.['autopilotapikey']);
  const text = sanitize(`Autopilot answered ${status}${title ? ` ${title}` : ''}${detail ? `: ${detail}` : ''}`, secret);
  const options = { status, retryAfterMs: parseRetryAfter(response.headers?.['retry-after']) };
  return new AutopilotError(kindOfStatus(status, detail), text, options);
}

function kindOfStatus(status: number, detail: string | undefined): AutopilotErrorKind {
  if (status === 401 || status === 403) return 'auth';
  // Autopilot answers a missing key with 400, not 401 (spec 2).
  if (status === 400 && detail && /autopilotapikey/i.test(detail)) return 'auth';
  if (status === 404) return 'notFound';
  if (status === 429) return 'rateLimited';
  if (status === 408 || status >= 500) return 'unavailable';
  if (status >= 400) return 'rejected';
  return 'unavailable';
}

function fromTransport(code: string | undefined, message: string, timeoutMs: number | undefined): AutopilotError {
  if ((code && TIMEOUT_CODES.has(code)) || /timeout/i.test(message)) {
    const within = timeoutMs ? ` within ${timeoutMs} ms` : '';
    return new AutopilotError('timeout', `Autopilot did not answer${within}`, { code });
  }
  if ((code && NETWORK_CODES.has(code)) || /socket hang up/i.test(message)) {
    return new AutopilotError('network', `Autopilot could not be reached (${code ?? 'socket hang up'})`, { code });
  }
  // Anything else without a response (TLS, protocol errors): retryable, but say what it was.
  return new AutopilotError('network', `Autopilot request failed without a response (${code ?? 'unknown'})`, { code });
}

/** `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 10.2.3). */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  const text = headerValue(value)?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function headerValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** Autopilot's messages are free text: strip anything that could be a key or an address. */
function sanitize(text: string, secret: string | undefined): string {
  let clean = secret ? text.split(secret).join('[redacted]') : text;
  clean = clean.replace(EMAIL_LIKE, '[redacted]').replace(HEX_KEY_LIKE, '[redacted]').replace(/\s+/g, ' ');
  return clean.length > MAX_MESSAGE_LENGTH ? `${clean.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : clean;
}
