import type { Context, MiddlewareHandler } from 'hono';
import { sameToken, TOKEN_PREFIX, type Role, type TokenStore } from '../store/tokens';
import { createAuthFailureLimiter, type AuthFailureLimiter } from './auth-failures';
import { addressBlock, clientAddress, type IsTrustedProxy } from './client-address';
import { ApiError } from './errors';

/** Who is calling: the name runs are attributed to, and what they may do. */
export interface Principal {
  /** Null for the configured bootstrap admin token, which has no stored record. */
  tokenId: string | null;
  name: string;
  role: Role;
}

/** `tokenRejected`: a token was presented and did not authenticate, and why. */
type AuthVariables = { tokenRejected?: 'unknown' | 'expired'; requestId: string };
export type AppEnv = { Variables: AuthVariables & { user?: Principal } };
/** What handlers behind {@link requireRole} see: the user is known. */
export type AuthedEnv = { Variables: AuthVariables & { user: Principal } };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export interface IdentifyOptions {
  /** Accepted as an admin named `admin` (ADMIN_TOKEN). */
  bootstrapAdminToken?: string;
  failures?: AuthFailureLimiter;
  /** Whose `X-Forwarded-For` names the client (TRUSTED_PROXIES); nobody's by default. */
  isTrustedProxy?: IsTrustedProxy;
}

/**
 * Global middleware: resolves the bearer token, if any, to a principal. It never rejects a token,
 * so that unknown routes stay 404 and public routes stay public; each route's {@link requireRole}
 * decides. A valid token always goes through: only failures count, per client address and per
 * token prefix, and once either failed too often in a while, further failures get 429. So a
 * client that keeps failing (or everyone behind one proxy) locks out no one with a valid token.
 */
export function identify(tokens: TokenStore, options: IdentifyOptions = {}): MiddlewareHandler<AppEnv> {
  const failures = options.failures ?? createAuthFailureLimiter();
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const token = BEARER.exec(header)?.[1];
      const outcome = await resolve(tokens, token, options.bootstrapAdminToken);
      if (outcome.status === 'valid') c.set('user', outcome.user);
      else {
        countFailure(c, failures, failureKeys(clientAddress(c, options.isTrustedProxy), token));
        c.set('tokenRejected', outcome.status);
      }
    }
    await next();
  };
}

/** Counts the failure, or refuses it with 429 when its address or token prefix already failed too often. */
function countFailure(c: Context, failures: AuthFailureLimiter, keys: string[]): void {
  const wait = Math.max(...keys.map((key) => failures.retryAfterSeconds(key)));
  if (wait > 0) {
    c.header('Retry-After', String(wait));
    throw new ApiError(429, 'too_many_failed_attempts', `Too many failed authentication attempts from this address or with this token; try again in ${wait} s`);
  }
  for (const key of keys) failures.recordFailure(key);
}

/**
 * What a failure counts against: the client's address and the token's first characters (one bad
 * token retried from many addresses). Kept in memory only, never logged; 8 characters past `ape_`
 * are far too few to say anything about a valid token.
 */
function failureKeys(address: string, token: string | undefined): string[] {
  const keys = [`address:${addressBlock(address)}`];
  if (token) keys.push(`token:${token.slice(0, TOKEN_PREFIX.length + 8)}`);
  return keys;
}

type Resolved = { status: 'valid'; user: Principal } | { status: 'unknown' | 'expired' };

async function resolve(tokens: TokenStore, token: string | undefined, bootstrapAdminToken?: string): Promise<Resolved> {
  if (!token) return { status: 'unknown' };
  if (bootstrapAdminToken && sameToken(token, bootstrapAdminToken)) return { status: 'valid', user: { tokenId: null, name: 'admin', role: 'admin' } };
  const found = await tokens.authenticate(token);
  if (found.status !== 'valid') return found;
  return { status: 'valid', user: { tokenId: found.token.id, name: found.token.name, role: found.token.role } };
}

/** Route middleware: 401 without a valid token, 403 when the role may not use the route. */
export function requireRole(role: Role | 'any'): MiddlewareHandler<AuthedEnv> {
  return async (c, next) => {
    // Typed as always set for the handlers after this; here is where that is made true.
    const user: Principal | undefined = c.get('user');
    if (!user) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new ApiError(401, 'unauthorized', UNAUTHORIZED[c.get('tokenRejected') ?? 'missing']);
    }
    if (role === 'admin' && user.role !== 'admin') throw new ApiError(403, 'forbidden', 'Only admins may do this');
    await next();
  };
}

const UNAUTHORIZED = {
  missing: 'A bearer token is required',
  unknown: 'The bearer token is unknown or revoked',
  expired: 'The bearer token has expired; ask an admin for a new one',
};

export const isAdmin = (user: Principal): boolean => user.role === 'admin';
