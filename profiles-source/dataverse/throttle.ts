import { setTimeout as sleep } from 'node:timers/promises';

/** What {@link RetryAfterGate.wait} came to: the hold is over, or it lasts longer than the caller may wait. */
export type GateOutcome = { passed: true } | { passed: false; remainingMs: number };

export interface GateWaitOptions {
  signal?: AbortSignal;
  /** Longest this call may be held; a hold that ends later is refused at once, not waited. Default: no limit. */
  maxHoldMs?: number;
}

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

  /** How long requests are still held; 0 when they may go. */
  remainingMs(): number {
    return Math.max(0, this.notBefore - this.now());
  }

  /**
   * Resolves once the hold is over, or (without sending anything, so the hold is not extended) as soon
   * as it would end past `maxHoldMs` from the call: a caller someone is waiting on answers "later"
   * rather than hanging. Loops because a timer may fire a little early, and because another request's
   * 429 may lengthen the hold meanwhile; the limit counts from the call, so that cannot stretch it.
   */
  async wait(options: GateWaitOptions = {}): Promise<GateOutcome> {
    const deadline = this.now() + (options.maxHoldMs ?? Infinity);
    for (let ms = this.remainingMs(); ms > 0; ms = this.remainingMs()) {
      if (this.notBefore > deadline) return { passed: false, remainingMs: ms };
      await sleep(ms, undefined, { signal: options.signal });
    }
    return { passed: true };
  }
}

/** Exponential backoff without a `Retry-After`: base, 2 × base, 4 × base… with ±20 % jitter. */
export function backoffMs(attempt: number, baseMs: number): number {
  const jitter = 0.8 + Math.random() * 0.4;
  return Math.round(baseMs * 2 ** (attempt - 1) * jitter);
}
