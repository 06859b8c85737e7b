import type { Context } from 'hono';
import { ProfileSourceError } from '../profiles-source/source';
import { ApiError } from './errors';

/**
 * The API's Dataverse client gives up sooner than a worker's: someone is waiting for the answer, and a
 * 503 with Retry-After tells them more than a request that hangs through minutes of retries. `maxHoldMs`
 * applies the same to a `Retry-After` an earlier request was given: without it the client would hold
 * every later request (a `GET /segments`) until that wait is over.
 *
 * `listScanPages` likewise: `GET /segments` scans at most 20 membership pages (100,000 rows), not the
 * default 200, and says when its list is truncated: its scans use up the service protection limits the
 * workers' reads share (one app registration).
 */
export const INTERACTIVE_SOURCE_TUNING = { maxAttempts: 2, retryBaseDelayMs: 500, maxWaitMs: 5_000, maxHoldMs: 5_000, timeoutMs: 10_000, listScanPages: 20 };

/** When the source named no `Retry-After`: as long as for the store or Temporal. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;
/** A `Retry-After` the API passes on is capped: a client should come back, not give up. */
const MAX_RETRY_AFTER_SECONDS = 300;

/**
 * Runs a call to the profile source and says what went wrong in HTTP terms. A source that is down,
 * slow or throttling (retryable) is a 503 with `Retry-After`; one that refuses this deployment
 * (credentials, permission, address rules: nothing the caller can fix) is a 502 saying what the
 * operator must fix. The source's messages name no secret. Other errors (the store) pass through.
 */
export async function fromSource<T>(c: Context, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw asApiError(c, err);
  }
}

function asApiError(c: Context, err: unknown): unknown {
  if (!(err instanceof ProfileSourceError)) return err;
  if (err.retryable) {
    const seconds = err.retryAfterMs === undefined ? DEFAULT_RETRY_AFTER_SECONDS : Math.ceil(err.retryAfterMs / 1000);
    c.header('Retry-After', String(Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds))));
    return new ApiError(503, 'profile_source_unavailable', `The profile source is unavailable right now; try again shortly (${err.message})`);
  }
  return new ApiError(502, 'profile_source_error', `The profile source refused the request: ${err.message}`);
}
