import { AutopilotClient } from '../autopilot';
import type { OutboundPolicy } from '../outbound/policy';
import type { CheckKey } from './ports';

export interface KeyCheckerOptions {
  /** Where keys of connections without their own base URL are checked. */
  defaultBaseUrl: string;
  /** Short, because an admin is waiting on the answer. */
  timeoutMs?: number;
  /** Where keys may be sent. */
  outbound: OutboundPolicy;
}

/**
 * Checks a key with `GET /account`. Failures are `AutopilotError`s: `auth`/`rejected` mean the key
 * is refused; `unavailable`, `timeout`, `network` and `rateLimited` mean Autopilot could not say.
 */
export function createKeyChecker(options: KeyCheckerOptions): CheckKey {
  return async (apiKey, baseUrl) => {
    const client = new AutopilotClient({
      baseUrl: baseUrl ?? options.defaultBaseUrl,
      apiKey,
      timeoutMs: options.timeoutMs ?? 10_000,
      ...options.outbound.agents({ keepAlive: false }),
    });
    try {
      await client.getAccount();
    } finally {
      client.close();
    }
  };
}
