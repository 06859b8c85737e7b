/**
 * One value, loaded by one call at a time and kept for `ttlMs` after it arrives: callers that come
 * while it loads share that load, callers within `ttlMs` get it without a load. A failed load is not
 * kept, so the next caller tries again.
 */
export class BriefCache<T> {
  private entry?: { value: Promise<T>; loadedAt?: number };

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(load: () => Promise<T>): Promise<T> {
    const current = this.entry;
    if (current && (current.loadedAt === undefined || this.now() - current.loadedAt < this.ttlMs)) return current.value;
    const entry: { value: Promise<T>; loadedAt?: number } = { value: load() };
    this.entry = entry;
    entry.value.then(
      () => {
        entry.loadedAt = this.now();
      },
      () => {
        if (this.entry === entry) this.entry = undefined;
      },
    );
    return entry.value;
  }
}

/**
 * `promise`, or the abort of `signal` if that comes first. For a caller waiting on a load it shares:
 * leaving must not cancel the load the others wait for.
 */
export function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
