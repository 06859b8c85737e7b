import type { Context, MiddlewareHandler } from 'hono';
import type { BadRequestBan } from './rate-limit';
import { tryInSeconds } from './rate-limit';
import type { OrttoSimOptions } from './options';
import type { OrttoSimState, SimAccount } from './state';

export type OrttoSimEnv = { Variables: { account: SimAccount } };

/** Ortto's 429 body: no headers, the wait in `try-in-seconds`. */
export function rateLimitedBody(seconds: number, code = 'rate-limit') {
  return { error: { code, message: code === 'rate-limit' ? 'rate limit' : 'too many bad requests', 'try-in-seconds': seconds } };
}

/**
 * Everything before a route runs: the sender's ban, then the key (a refused key is a bad request),
 * then the key's rate. Any host is served, as every region's would be. Every answer of 400 or a
 * refused key counts towards the ban.
 */
export function createGate(state: OrttoSimState, ban: BadRequestBan, options: OrttoSimOptions): MiddlewareHandler<OrttoSimEnv> {
  return async (c, next) => {
    const now = Date.now();
    const banLeft = ban.banLeft(now);
    if (banLeft > 0) return c.json(rateLimitedBody(tryInSeconds(banLeft), 'banned'), 429);
    const account = state.account(c.req.header('x-api-key') ?? '');
    if (!account) {
      ban.recordBad(now);
      return c.json({ code: 401, error: 'Invalid API key' }, 401);
    }
    const { stats } = account;
    stats.requests++;
    stats.byPath[c.req.path] = (stats.byPath[c.req.path] ?? 0) + 1;
    const overRate = options.rateLimit > 0 && account.window.count(now) >= options.rateLimit;
    if (overRate || inBurst(account, options)) {
      stats.rateLimited++;
      return c.json(rateLimitedBody(overRate ? tryInSeconds(account.window.msUntilFree(now)) : 1), 429);
    }
    stats.peakPerSecond = Math.max(stats.peakPerSecond, account.window.record(now));
    c.set('account', account);
    await next();
    if (c.res.status === 400) ban.recordBad(Date.now());
  };
}

/** The burst429 option: after `every` served requests, the next `length` are refused. */
function inBurst(account: SimAccount, options: OrttoSimOptions): boolean {
  const burst = options.burst429;
  if (!burst) return false;
  if (account.burstLeft > 0) {
    account.burstLeft--;
    return true;
  }
  if (++account.burstServed >= burst.every) {
    account.burstServed = 0;
    account.burstLeft = burst.length;
  }
  return false;
}

/** Reads a JSON body; undefined when it is not JSON. */
export async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    return undefined;
  }
}
