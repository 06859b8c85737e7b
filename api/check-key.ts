import { setTimeout as sleep } from 'node:timers/promises';
import { baseUrlOf, destinationKind, DestinationError, type DestinationType } from '../destinations';
import type { OutboundPolicy } from '../outbound/policy';
import type { TurnTaker } from '../store/pacing-in-process';
import type { CheckKey } from './ports';

/** An admin waits on a key check: it waits this long at most for the key's turn among the runs using it. */
const MAX_TURN_WAIT_MS = 5_000;

/** The key's rate budget, shared with the runs: the check takes its turn in it as they do. */
export interface KeyCheckPacing {
  budgetOf(type: DestinationType, apiKey: string, baseUrl: string): string;
  waitForTurn: TurnTaker;
}

export interface KeyCheckerOptions {
  /** Per platform, where keys of connections without their own base URL are checked (else the platform's default). */
  defaultBaseUrls?: Partial<Record<DestinationType, string>>;
  /** Short, because an admin is waiting on the answer. */
  timeoutMs?: number;
  /** Where keys may be sent. */
  outbound: OutboundPolicy;
  pacing?: KeyCheckPacing;
}

/**
 * Checks a key with the destination's own key check (one authenticated call that creates
 * nothing). Failures are `DestinationError`s: `auth`/`rejected` mean the key is refused;
 * `unavailable`, `timeout`, `network` and `rateLimited` mean the destination could not say.
 */
export function createKeyChecker(options: KeyCheckerOptions): CheckKey {
  return async (type, apiKey, baseUrl, region) => {
    const kind = destinationKind(type);
    const url = baseUrlOf(kind, { baseUrl, region }, options.defaultBaseUrls?.[type]);
    const { pacing } = options;
    const destination = kind.open({
      baseUrl: url,
      apiKey,
      timeoutMs: options.timeoutMs ?? 10_000,
      ...options.outbound.agents({ keepAlive: false }),
      // A key a run is using is at its rate: a check outside the schedule would be one request too many.
      beforeRequest: pacing && (() => takeTurn(pacing, pacing.budgetOf(type, apiKey, url), kind.defaultRequestsPerSecond)),
    });
    try {
      return await destination.checkKey();
    } finally {
      destination.close();
    }
  };
}

async function takeTurn(pacing: KeyCheckPacing, budget: string, requestsPerSecond: number): Promise<void> {
  const turn = await pacing.waitForTurn(budget, requestsPerSecond, { sleep, maxWaitMs: MAX_TURN_WAIT_MS });
  if (!turn.taken) throw new DestinationError('rateLimited', "The key's rate budget is taken by the runs using it; try again in a few seconds", { retryAfterMs: turn.waitMs });
}
