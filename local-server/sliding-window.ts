/**
 * Times of events in the last `windowMs` (a second by default): a simulator's served requests per
 * key, for its rate limit and peak, or a sender's bad requests.
 */
export class SlidingWindow {
  private times: number[] = [];

  constructor(private readonly windowMs = 1_000) {}

  /** Events in the window (now - windowMs, now]. */
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

  /** Milliseconds until the oldest event leaves the window, i.e. until one more would fit. */
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
