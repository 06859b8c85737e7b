import { baseUrlOf, destinationKind, type DestinationType } from '../destinations';
import type { OutboundPolicy } from '../outbound/policy';
import type { CheckKey } from './ports';

export interface KeyCheckerOptions {
  /** Per platform, where keys of connections without their own base URL are checked (else the platform's default). */
  defaultBaseUrls?: Partial<Record<DestinationType, string>>;
  /** Short, because an admin is waiting on the answer. */
  timeoutMs?: number;
  /** Where keys may be sent. */
  outbound: OutboundPolicy;
}

/**
 * Checks a key with the destination's own key check (one authenticated call that creates
 * nothing). Failures are `DestinationError`s: `auth`/`rejected` mean the key is refused;
 * `unavailable`, `timeout`, `network` and `rateLimited` mean the destination could not say.
 */
export function createKeyChecker(options: KeyCheckerOptions): CheckKey {
  return async (type, apiKey, baseUrl, region) => {
    const kind = destinationKind(type);
    const destination = kind.open({
      baseUrl: baseUrlOf(kind, { baseUrl, region }, options.defaultBaseUrls?.[type]),
      apiKey,
      timeoutMs: options.timeoutMs ?? 10_000,
      ...options.outbound.agents({ keepAlive: false }),
    });
    try {
      return await destination.checkKey();
    } finally {
      destination.close();
    }
  };
}
