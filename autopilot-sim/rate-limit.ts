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
