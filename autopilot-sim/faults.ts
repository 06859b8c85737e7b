import { randomInt } from 'node:crypto';
import { FaultOptionsSchema, type FaultOptions, type FaultOptionsInput } from './options';

/** mulberry32: a tiny seedable PRNG, so fault sequences repeat for a given seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The current fault settings and the dice that decide, per request, which fault fires. */
export class Faults {
  private options: FaultOptions;
  private readonly random: () => number;

  constructor(options: FaultOptions, seed: number = randomInt(2 ** 31)) {
    this.options = options;
    this.random = seededRandom(seed);
  }

  get current(): FaultOptions {
    return this.options;
  }

  /** Merges and re-validates; throws on invalid settings, leaving the old ones in place. */
  set(partial: FaultOptionsInput): void {
    this.options = FaultOptionsSchema.parse({ ...this.options, ...partial });
  }

  latency(): number {
    const { latencyMs } = this.options;
    if (typeof latencyMs === 'number') return latencyMs;
    const [min, max] = latencyMs;
    return min + Math.round(this.random() * (max - min));
  }

  /** True with probability `rate`; no die is rolled for rate 0 so unrelated faults keep their sequence. */
  roll(rate: number): boolean {
    return rate > 0 && this.random() < rate;
  }

  /** Refused by option (invalid syntax is checked separately). */
  refuses(email: string): boolean {
    const { refuseEmails } = this.options;
    if (refuseEmails === undefined) return false;
    if (Array.isArray(refuseEmails)) return refuseEmails.some((e) => e.trim().toLowerCase() === email.trim().toLowerCase());
    return new RegExp(refuseEmails, 'i').test(email);
  }

  rejectsBatchFor(email: string): boolean {
    const source = this.options.rejectBatchIfEmailMatches;
    return source !== undefined && new RegExp(source, 'i').test(email);
  }
}

/** Requests held by the timeout fault; `releaseAll` lets a closing server finish them at once. */
export class Holds {
  private readonly pending = new Set<() => void>();

  hold(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        this.pending.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.pending.add(release);
    });
  }

  releaseAll(): void {
    for (const release of [...this.pending]) release();
  }
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
