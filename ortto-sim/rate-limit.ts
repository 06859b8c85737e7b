/** Times of events in the last `windowMs`: a key's served requests, a sender's bad requests. */
export class SlidingWindow {
  private times: number[] = [];

  constructor(private readonly windowMs = 1_000) {}

  count(now: number): number {
    this.prune(now);
    return this.times.length;
  }

  /** Records an event and returns how many the window now holds. */
  record(now: number): number {
    this.prune(now);
    this.times.push(now);
    return this.times.length;
  }

  /** Milliseconds until the oldest event leaves the window. */
  msUntilFree(now: number): number {
    this.prune(now);
    return this.times.length === 0 ? 0 : Math.max(0, this.times[0] + this.windowMs - now);
  }

  private prune(now: number): void {
    const keep = this.times.findIndex((t) => t > now - this.windowMs);
    this.times = keep === -1 ? [] : this.times.slice(keep);
  }
}

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
