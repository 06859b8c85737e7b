import axios, { type AxiosError } from 'axios';
import { DestinationError, type DestinationErrorKind } from '../destinations/errors';
import { ErrorBodySchema, NoValidContactsSchema } from './contract';

/** Ortto's 400 when nobody in a merge was valid: its wording and a reason per person (cleaned). */
export interface NoValidContacts {
  error: string;
  details: Array<{ status?: string; error?: string }>;
}

/**
 * A classified Ortto failure (see {@link DestinationError}). The message names the status and
 * Ortto's own wording only, cleaned of anything like an address or a key; the axios error is not
 * kept as `cause`, because its config holds the key and the people sent.
 */
export class OrttoError extends DestinationError {
  override readonly name = 'OrttoError';
  /** Set on the 400 that says nobody in a merge was valid. */
  noValidContacts?: NoValidContacts;
}

const MAX_MESSAGE_LENGTH = 200;
/** When a 429 does not say how long to wait: Ortto's own usual answer. */
const DEFAULT_TRY_IN_MS = 10_000;
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);
const EMAIL_LIKE = /[^\s"'<>(),;:@]+@[^\s"'<>(),;:@]+/g;
const KEY_LIKE = /\b(PRV|PUB)-[\w-]+|\b[0-9a-f]{32,}\b/gi;

/**
 * Classifies any failure of an Ortto HTTP call, once. A refused key (401, 403) is `auth`, so the
 * run stops at once: every further try would count towards Ortto's ban of the sender. A cancelled
 * request (an aborted signal) is not Ortto's failure and is rethrown unchanged.
 */
export function toOrttoError(err: unknown): OrttoError {
  if (err instanceof OrttoError) return err;
  if (axios.isCancel(err)) throw err;
  if (axios.isAxiosError(err) && err.response) return fromResponse(err);
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
  const message = err instanceof Error ? err.message : '';
  if ((code && TIMEOUT_CODES.has(code)) || /timeout/i.test(message)) return new OrttoError('timeout', 'Ortto did not answer in time', { code });
  return new OrttoError('network', `Ortto could not be reached (${code ?? 'no response'})`, { code });
}

function fromResponse(err: AxiosError): OrttoError {
  const { status, data } = err.response!;
  const body = ErrorBodySchema.safeParse(data);
  const said = body.success ? body.data.error : undefined;
  const wording = typeof said === 'string' ? said : (said?.message ?? (body.success ? body.data.message : undefined));
  const tryInSeconds = typeof said === 'object' ? said['try-in-seconds'] : undefined;
  const text = sanitize(`Ortto answered ${status}${wording ? `: ${wording}` : ''}`, headerValue(err.config?.headers?.['X-Api-Key']));
  const kind = kindOfStatus(status);
  const retryAfterMs = kind === 'rateLimited' ? (tryInSeconds !== undefined ? tryInSeconds * 1000 : DEFAULT_TRY_IN_MS) : undefined;
  const error = new OrttoError(kind, text, { status, retryAfterMs });
  if (status === 400) error.noValidContacts = noValidContactsOf(data);
  return error;
}

function noValidContactsOf(data: unknown): NoValidContacts | undefined {
  const body = NoValidContactsSchema.safeParse(data);
  if (!body.success || !/no valid contacts/i.test(body.data.error)) return undefined;
  const details = (body.data.details ?? []).map((d) => ({ status: d.status, error: d.error && sanitize(d.error) }));
  return { error: sanitize(body.data.error), details };
}

export function kindOfStatus(status: number): DestinationErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'notFound';
  if (status === 429) return 'rateLimited';
  if (status === 408 || status >= 500) return 'unavailable';
  if (status >= 400) return 'rejected';
  return 'unavailable';
}

function headerValue(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Ortto's messages are free text: strip anything that could be a key or an address. */
export function sanitize(text: string, secret?: string): string {
  const clean = (secret ? text.split(secret).join('[redacted]') : text).replace(EMAIL_LIKE, '[redacted]').replace(KEY_LIKE, '[redacted]').replace(/\s+/g, ' ');
  return clean.length > MAX_MESSAGE_LENGTH ? `${clean.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : clean;
}
