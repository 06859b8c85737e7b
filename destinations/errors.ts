/**
 * How a call to a destination failed, in words the engine acts on. Every adapter classifies its
 * own failures into these kinds, once; messages name statuses and the destination's own wording
 * only, never keys, request bodies or emails, so they are safe to log and to surface.
 */
export type DestinationErrorKind =
  /** The key is refused. */
  | 'auth'
  /** This request is refused as it is: sending it again will not help. */
  | 'rejected'
  | 'notFound'
  | 'rateLimited'
  | 'unavailable'
  | 'timeout'
  | 'network'
  /** The server answered, but not as the destination would: a wrong base URL, most likely. */
  | 'wrongService';

export interface DestinationErrorOptions {
  status?: number;
  retryAfterMs?: number;
  /** A Node/axios error code such as `ECONNRESET`; never carries data. */
  code?: string;
}

export class DestinationError extends Error {
  override readonly name: string = 'DestinationError';
  readonly kind: DestinationErrorKind;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly code?: string;

  constructor(kind: DestinationErrorKind, message: string, options: DestinationErrorOptions = {}) {
    super(message);
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.code = options.code;
  }
}

/** Failures worth trying again on the spot, and then by Temporal. */
export const TRANSIENT_KINDS: ReadonlySet<DestinationErrorKind> = new Set(['rateLimited', 'unavailable', 'timeout', 'network']);

export const isDestinationError = (err: unknown, kind?: DestinationErrorKind): err is DestinationError =>
  err instanceof DestinationError && (kind === undefined || err.kind === kind);
