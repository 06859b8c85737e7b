import { SlidingWindow } from '../local-server/sliding-window';

/** Ortto's bad-request limiter: too many bad requests in the window, and the sender is banned for a while. */
export class BadRequestBan {
  private readonly bad: SlidingWindow;
  private bannedUntil = 0;
  bans = 0;

  constructor(private readonly limit: { count: number; windowMs: number; banMs: number }) {
    this.bad = new SlidingWindow(limit.windowMs);
  }

  /** Milliseconds the ban still lasts; 0 when the sender is not banned. */
  banLeft(now: number): number {
    return Math.max(0, this.bannedUntil - now);
  }

  recordBad(now: number): void {
    if (this.bad.record(now) < this.limit.count) return;
    this.bannedUntil = now + this.limit.banMs;
    this.bans++;
  }
}

/** Seconds a 429 tells the caller to wait: whole seconds, at least one. */
export const tryInSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
