import { ActivityFailure, ApplicationFailure, sleep } from '@temporalio/workflow';
import { ErrorType } from '../domain/errors';

export interface KeyBlockOptions {
  /** How often to check the key again. */
  recheckMs: number;
  /** How long to wait for someone to replace the key before the run fails. */
  timeoutMs: number;
  /** One authenticated call; throws an auth failure while the key is refused. */
  check(): Promise<void>;
  onBlocked(): void;
  onUnblocked(): void;
}

/**
 * A key revoked mid-run blocks the run, visibly, until the key works again (rotated) or time runs
 * out. Every batch that meets the refused key waits on the same check.
 */
export function createKeyBlock(options: KeyBlockOptions) {
  let waiting: Promise<void> | undefined;

  async function untilKeyWorks(): Promise<void> {
    options.onBlocked();
    // However the wait ends (the key works, a pause cancels it, time runs out), the run is no longer blocked.
    try {
      await recheckUntilAccepted();
    } finally {
      options.onUnblocked();
    }
  }

  async function recheckUntilAccepted(): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      await sleep(options.recheckMs);
      try {
        return await options.check();
      } catch (err) {
        if (!isAuthFailure(err)) throw err;
        if (Date.now() >= deadline) {
          const hours = Math.round(options.timeoutMs / 360_000) / 10;
          throw ApplicationFailure.nonRetryable(`The destination refused the API key and it was not replaced within ${hours} h`, ErrorType.DestinationAuth);
        }
      }
    }
  }

  return {
    /** Resolves once the key works again; shared by every caller while the key is refused. */
    wait(): Promise<void> {
      waiting ??= untilKeyWorks().finally(() => (waiting = undefined));
      return waiting;
    },
  };
}

export function isAuthFailure(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === ErrorType.DestinationAuth;
}
