import type { Context, MiddlewareHandler } from 'hono';
import { seededRandom } from '../autopilot-sim/faults';
import { SlidingWindow } from '../local-server/sliding-window';
import type { FaultSettings } from './options';
import type { DataverseSimStats } from './stats';
import type { TokenStore } from './tokens';

/** Per-client throttling state: served requests in the window, and the end of the last Retry-After given. */
interface ClientThrottle {
  window: SlidingWindow;
  notBefore: number;
}

export interface GateDeps {
  tokens: TokenStore;
  stats: DataverseSimStats;
  faults: () => FaultSettings;
  /** Injected 5xx still to answer, in order (see `SimControl.failNext`). */
  pendingFailures: number[];
  seed: number;
}

export type DataEnv = { Variables: { clientId: string } };

/**
 * What happens before a table route runs, in Dataverse's order: the bearer token (401), the service
 * protection limit (429 with `Retry-After`, https://learn.microsoft.com/en-us/power-apps/developer/data-platform/api-limits),
 * then injected failures. A request that comes before its client's last `Retry-After` has passed is
 * counted in `earlyRequests` and answered 429 again with what remains of the wait.
 */
export function createGate(deps: GateDeps): { gate: MiddlewareHandler<DataEnv>; resetThrottles: () => void } {
  const { stats } = deps;
  const throttles = new Map<string, ClientThrottle>();
  const random = seededRandom(deps.seed);
  const gate: MiddlewareHandler<DataEnv> = async (c, next) => {
    stats.requests++;
    const table = c.req.path.split('/').pop() ?? '';
    stats.byTable[table] = (stats.byTable[table] ?? 0) + 1;
    const holder = deps.tokens.holder(/^Bearer (.+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '');
    if (!holder) {
      stats.unauthorized++;
      return c.body(null, 401, { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The access token is missing, invalid or has expired"' });
    }
    const now = Date.now();
    const limit = deps.faults().rateLimit;
    let throttle = throttles.get(holder.clientId);
    if (!throttle) throttles.set(holder.clientId, (throttle = { window: new SlidingWindow(limit?.windowMs), notBefore: 0 }));
    if (now < throttle.notBefore) {
      stats.earlyRequests++;
      return tooMany(c, stats, Math.ceil((throttle.notBefore - now) / 1000));
    }
    if (limit && throttle.window.count(now) >= limit.requests) {
      const seconds = Math.max(1, Math.ceil(throttle.window.msUntilFree(now) / 1000));
      throttle.notBefore = now + seconds * 1000;
      return tooMany(c, stats, seconds);
    }
    throttle.window.record(now);
    const failure = deps.pendingFailures.shift() ?? (random() < deps.faults().errorRate ? 503 : undefined);
    if (failure) {
      stats.serverErrors++;
      return odataError(c, failure as 500 | 503, '0x80040216', 'An unexpected error occurred (injected by the Dataverse fake).');
    }
    stats.served++;
    c.set('clientId', holder.clientId);
    await next();
  };
  // Windows take their length when created, so a changed limit starts from fresh windows.
  return { gate, resetThrottles: () => throttles.clear() };
}

function tooMany(c: Context, stats: DataverseSimStats, seconds: number): Response {
  stats.rateLimited++;
  return odataError(c, 429, '0x80072322', 'Number of requests exceeded the limit of the service protection window.', { 'Retry-After': String(seconds) });
}

/** Dataverse Web API's error body. */
export function odataError(c: Context, status: 400 | 404 | 429 | 500 | 503, code: string, message: string, headers?: Record<string, string>): Response {
  return c.json({ error: { code, message } }, status, headers);
}
