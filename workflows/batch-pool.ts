import { CancellationScope, condition, isCancellation } from '@temporalio/workflow';

export interface BatchRange {
  first: number;
  count: number;
}

export interface BatchPoolOptions {
  /** Activities in flight at once. */
  concurrency: number;
  /** The next range not handed out yet, or undefined when there is none (for this execution). */
  fresh(): BatchRange | undefined;
  /** Sends a range; resolves when its batches are recorded. */
  send(range: BatchRange): Promise<void>;
  /** While true, no range starts (a pause). */
  held(): boolean;
}

/**
 * Sends batch ranges, at most `concurrency` at a time, each in a cancellation scope of its own, so
 * that a pause can stop the ranges in flight after their current batch: they go back to the queue
 * and, when sent again, send only what is still pending. Without a pause, it starts activities in
 * the same order as the plain loop it replaced, so histories of earlier runs replay.
 */
export function createBatchPool(options: BatchPoolOptions) {
  const queue: BatchRange[] = [];
  const running = new Map<CancellationScope, BatchRange>();
  const interrupted = new Set<CancellationScope>();
  const inFlight = new Set<Promise<void>>();

  function start(range: BatchRange): void {
    const scope = new CancellationScope();
    running.set(scope, range);
    const done = scope
      .run(() => options.send(range))
      .catch((err: unknown) => {
        if (!(interrupted.has(scope) && isCancellation(err))) throw err;
        queue.unshift(range);
      })
      .finally(() => {
        running.delete(scope);
        interrupted.delete(scope);
      });
    inFlight.add(done);
    done.then(() => inFlight.delete(done), () => inFlight.delete(done));
  }

  return {
    /** Batches handed out and not finished (in flight or waiting to be sent again). */
    unfinished: () => [...running.values(), ...queue].reduce((n, r) => n + r.count, 0),
    /** Ranges in flight: a pause is in force once this is zero. */
    inFlight: () => running.size,

    /** Runs until every range is sent; throws the first failure of a range. */
    async drain(): Promise<void> {
      for (;;) {
        if (options.held()) await condition(() => !options.held());
        if (inFlight.size < options.concurrency) {
          const range = queue.shift() ?? options.fresh();
          if (range) {
            start(range);
            continue;
          }
        }
        if (inFlight.size === 0) return;
        await Promise.race(inFlight);
      }
    },

    /** Stops the ranges in flight after their current batch; they are sent again later. */
    interrupt(): void {
      for (const scope of running.keys()) {
        interrupted.add(scope);
        scope.cancel();
      }
    },

    /** Waits for every range in flight to settle, whatever its outcome (before closing a run). */
    settle: () => Promise.allSettled(inFlight),
  };
}

export type BatchPool = ReturnType<typeof createBatchPool>;
