import type { MiddlewareHandler } from 'hono';
import { sameToken, type Role, type TokenStore } from '../store/tokens';
import { ApiError } from './errors';

/** Who is calling: the name runs are attributed to, and what they may do. */
export interface Principal {
  /** Null for the configured bootstrap admin token, which has no stored record. */
  tokenId: string | null;
  name: string;
  role: Role;
}

export type AppEnv = { Variables: { user?: Principal; tokenPresented?: boolean } };
/** What handlers behind {@link requireRole} see: the user is known. */
export type AuthedEnv = { Variables: { user: Principal; tokenPresented?: boolean } };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Global middleware: resolves the bearer token, if any, to a principal. It never rejects, so that
 * unknown routes stay 404 and public routes stay public; each route's {@link requireRole} decides.
 */
export function identify(tokens: TokenStore, bootstrapAdminToken?: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      c.set('tokenPresented', true);
      const token = BEARER.exec(header)?.[1];
      if (token && bootstrapAdminToken && sameToken(token, bootstrapAdminToken)) {
        c.set('user', { tokenId: null, name: 'admin', role: 'admin' });
      } else if (token) {
        const record = await tokens.authenticate(token);
        if (record) c.set('user', { tokenId: record.id, name: record.name, role: record.role });
      }
    }
    await next();
  };
}

/** Route middleware: 401 without a valid token, 403 when the role may not use the route. */
export function requireRole(role: Role | 'any'): MiddlewareHandler<AuthedEnv> {
  return async (c, next) => {
    // Typed as always set for the handlers after this; here is where that is made true.
    const user: Principal | undefined = c.get('user');
    if (!user) {
      c.header('WWW-Authenticate', 'Bearer');
      const presented = c.get('tokenPresented');
      throw new ApiError(401, 'unauthorized', presented ? 'The bearer token is unknown or revoked' : 'A bearer token is required');
    }
    if (role === 'admin' && user.role !== 'admin') throw new ApiError(403, 'forbidden', 'Only admins may do this');
    await next();
  };
}

export const isAdmin = (user: Principal): boolean => user.role === 'admin';
