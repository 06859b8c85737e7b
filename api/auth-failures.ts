/** Slows down guessing tokens: after too many failed attempts by one client (an address, a token prefix), its next failures wait. */
export interface AuthFailureLimiter {
  /** Seconds for which this client's further failures are refused; 0 while they are only counted. */
  retryAfterSeconds(client: string): number;
  recordFailure(client: string): void;
}

export interface AuthFailureLimits {
  /** Failed attempts a client may make in one window; the next ones wait for the window to end. */
  maxFailures: number;
  /** A window starts at a client's first failure. */
  windowMs: number;
  /** Clients remembered at once: memory stays bounded whatever the number of addresses. */
  maxClients: number;
  now?: () => number;
}

export const DEFAULT_AUTH_FAILURE_LIMITS: AuthFailureLimits = { maxFailures: 10, windowMs: 60_000, maxClients: 10_000 };

interface Window {
  since: number;
  failures: number;
}

/**
 * In memory, per process. A client's entry is inserted when its window starts and never moved,
 * so the map's order is the windows' start order: expired entries are all at the front.
 */
export function createAuthFailureLimiter(limits: AuthFailureLimits = DEFAULT_AUTH_FAILURE_LIMITS): AuthFailureLimiter {
  const now = limits.now ?? Date.now;
  const windows = new Map<string, Window>();
  const expired = (w: Window) => now() - w.since >= limits.windowMs;

  function current(client: string): Window | undefined {
    const w = windows.get(client);
    if (w && expired(w)) windows.delete(client);
    return w && !expired(w) ? w : undefined;
  }

  function makeRoom(): void {
    for (const [client, w] of windows) {
      if (windows.size < limits.maxClients || !expired(w)) break;
      windows.delete(client);
    }
    // All still current: forget the oldest, which is the closest to being forgotten anyway.
    if (windows.size >= limits.maxClients) windows.delete(windows.keys().next().value as string);
  }

  return {
    retryAfterSeconds(client) {
      const w = current(client);
      if (!w || w.failures < limits.maxFailures) return 0;
      return Math.max(1, Math.ceil((w.since + limits.windowMs - now()) / 1000));
    },
    recordFailure(client) {
      const w = current(client);
      if (w) {
        w.failures++;
        return;
      }
      makeRoom();
      windows.set(client, { since: now(), failures: 1 });
    },
  };
}
