import { isDestinationError, TRANSIENT_KINDS } from './errors';
const IN_PROCESS_TRIES = 4;

/**
 * Retries a throttled or failed request a few times on the spot. Without it, one 429 in the middle
 * of an activity's requests (isolating a bad record, ensuring several lists) would start them all
 * over, and a busy destination could keep them from ever finishing; past these tries the error goes
 * to Temporal's retry policy.
 */
export async function retryingTransient<T>(request: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      if (!(isDestinationError(err) && TRANSIENT_KINDS.has(err.kind)) || attempt >= IN_PROCESS_TRIES || signal?.aborted) throw err;
      await new Promise((resolve) => setTimeout(resolve, err.retryAfterMs ?? 500 * 2 ** (attempt - 1)));
    }
  }
}
