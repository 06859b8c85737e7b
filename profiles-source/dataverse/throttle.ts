import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Holds every request of one client until the `Retry-After` Dataverse last gave it has passed.
 * Service protection limits count per user (here: the app registration), and Microsoft asks clients
 * to send nothing before the wait is over, since early requests extend it
 * (https://learn.microsoft.com/en-us/power-apps/developer/data-platform/api-limits).
 */
export class RetryAfterGate {
  private notBefore = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** From now on, no request before `ms` from now (a later, longer wait wins). */
  holdFor(ms: number): void {
    this.notBefore = Math.max(this.notBefore, this.now() + ms);
  }

  /** Resolves once the wait is over; loops because a timer may fire a little early. */
  async wait(signal?: AbortSignal): Promise<void> {
    for (let ms = this.notBefore - this.now(); ms > 0; ms = this.notBefore - this.now()) {
      await sleep(ms, undefined, { signal });
    }
  }
}

/** Exponential backoff without a `Retry-After`: base, 2 × base, 4 × base… with ±20 % jitter. */
export function backoffMs(attempt: number, baseMs: number): number {
  const jitter = 0.8 + Math.random() * 0.4;
  return Math.round(baseMs * 2 ** (attempt - 1) * jitter);
}
