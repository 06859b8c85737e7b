import type { MiddlewareHandler } from 'hono';
import type { Faults, Holds } from './faults';
import { apiError, MESSAGES, type SimEnv } from './http';
import type { SimState } from './state';
import { pathLabel } from './stats';

export interface GateDeps {
  state: SimState;
  faults: Faults;
  holds: Holds;
  /** Served requests per key per sliding second; 0 = off. */
  rateLimit: number;
  retryAfterHeader: boolean;
}

/**
 * Everything that happens before a `/v1` route runs, in Autopilot's order:
 * key check, then the per-key rate limit, then injected faults (spec 8).
 */
export function createGate(deps: GateDeps): MiddlewareHandler<SimEnv> {
  const { state, faults, holds } = deps;
  return async (c, next) => {
    const key = c.req.header('autopilotapikey');
    if (!key) return apiError(c, 400, MESSAGES.missingKey);
    if (!state.isActive(key)) return apiError(c, 401, MESSAGES.invalidKey);

    const runtime = state.runtime(key);
    const { stats } = runtime;
    const label = pathLabel(c.req.method, c.req.path);
    const now = Date.now();
    runtime.recordReceived(now);
    stats.byPath[label] = (stats.byPath[label] ?? 0) + 1;

    const { rateLimit } = deps;
    const overRate = rateLimit > 0 && runtime.window.count(now) >= rateLimit;
    if (overRate || runtime.burst.takeBurst(faults.current.burst429)) {
      stats.rateLimited++;
      const headers = deps.retryAfterHeader ? { 'Retry-After': retryAfterSeconds(runtime.window.msUntilFree(now)) } : undefined;
      // Autopilot's two documented 429 bodies (spec 5.1); a burst without a rate limit gets the generic one.
      const message = rateLimit > 0 ? MESSAGES.rateLimited(rateLimit) : MESSAGES.throttled;
      return apiError(c, 429, message, headers);
    }
    runtime.recordServed(now);
    runtime.burst.served(faults.current.burst429);
    c.set('runtime', runtime);
    c.set('account', state.account(key));

    const response = await injectFaults(c, next, faults, holds);
    if (response) c.res = response;
    if (c.res.status >= 400) stats.errors++;
  };
}

async function injectFaults(
  c: Parameters<MiddlewareHandler<SimEnv>>[0],
  next: () => Promise<void>,
  faults: Faults,
  holds: Holds,
): Promise<Response | undefined> {
  const settings = faults.current;
  await holds.hold(faults.latency());
  if (faults.roll(settings.errorRate)) return apiError(c, 500, MESSAGES.simulatedFailure);
  if (faults.roll(settings.emptyBodyErrorRate)) return c.body(null, 500);
  const timesOut = faults.roll(settings.timeoutRate);
  await next();
  if (!timesOut) return undefined;
  // Like Autopilot in 2015 (spec S5): the work is done, only the answer never comes in time.
  await holds.hold(settings.timeoutHoldMs);
  return apiError(c, 408, MESSAGES.simulatedTimeout);
}

function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
