/** Timestamps of served requests in the last second: the sliding window for rate and peak. */
export class SlidingWindow {
  private times: number[] = [];

  constructor(private readonly windowMs = 1_000) {}

  /** Requests served in the window (now - windowMs, now]. */
  count(now: number): number {
    this.prune(now);
    return this.times.length;
  }

  /** Records a served request and returns how many the window now holds. */
  record(now: number): number {
    this.prune(now);
    this.times.push(now);
    return this.times.length;
  }

  /** Milliseconds until the oldest request leaves the window, i.e. until one more would fit. */
  msUntilFree(now: number): number {
    this.prune(now);
    return this.times.length === 0 ? 0 : Math.max(0, this.times[0] + this.windowMs - now);
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.times.length && this.times[drop] <= now - this.windowMs) drop++;
    if (drop > 0) this.times = this.times.slice(drop);
  }
}

/** Burst state of one key: after `every` served requests, the next `length` are answered 429. */
export class BurstCounter {
  private servedSinceBurst = 0;
  private remaining = 0;

  /** True when this request falls in a burst and must be answered 429. */
  takeBurst(burst: { every: number; length: number } | undefined): boolean {
    if (!burst) return false;
    if (this.remaining > 0) {
      this.remaining--;
      return true;
    }
    return false;
  }

  /** Called for every served request. */
  served(burst: { every: number; length: number } | undefined): void {
    if (!burst) return;
    this.servedSinceBurst++;
    if (this.servedSinceBurst >= burst.every) {
      this.servedSinceBurst = 0;
      this.remaining = burst.length;
    }
  }
}
