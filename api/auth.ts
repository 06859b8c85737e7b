import type { MiddlewareHandler } from 'hono';
import { sameToken, type Role, type TokenStore } from '../store/tokens';
import { clientAddress, createAuthFailureLimiter, type AuthFailureLimiter } from './auth-failures';
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

/**
 * Global middleware: resolves the bearer token, if any, to a principal. It never rejects a token,
 * so that unknown routes stay 404 and public routes stay public; each route's {@link requireRole}
 * decides. A client that failed too often in a while gets 429 for any request with a token, before
 * the token is looked at, so that guessing gains nothing.
 */
export function identify(
  tokens: TokenStore,
  bootstrapAdminToken?: string,
  failures: AuthFailureLimiter = createAuthFailureLimiter(),
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const client = clientAddress(c);
      const wait = failures.retryAfterSeconds(client);
      if (wait > 0) {
        c.header('Retry-After', String(wait));
        throw new ApiError(429, 'too_many_failed_attempts', `Too many failed authentication attempts from this address; try again in ${wait} s`);
      }
      const outcome = await resolve(tokens, BEARER.exec(header)?.[1], bootstrapAdminToken);
      if (outcome.status === 'valid') c.set('user', outcome.user);
      else {
        c.set('tokenRejected', outcome.status);
        failures.recordFailure(client);
      }
    }
    await next();
  };
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
