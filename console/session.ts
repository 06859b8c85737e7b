import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { SessionStore } from '../store/sessions';
import { apiCaller, type ApiFetch, type CallApi } from './api-client';
import type { ConsoleEnv, SignedInEnv } from './env';
import type { OriginPolicy } from './origin';
import { CONSOLE, SIGN_IN } from './paths';

export const SESSION_COOKIE = 'console_session';
/** A working day; a session never outlives its token either (the API refuses it, and the console signs out). */
export const SESSION_HOURS = 8;

/** Secure when the browser came over https: directly, through a trusted proxy, or as PUBLIC_URL says (see createOriginPolicy). */
export function setSessionCookie(c: Context, sessionId: string, expiresAt: Date, policy: OriginPolicy): void {
  setCookie(c, SESSION_COOKIE, sessionId, {
    path: CONSOLE,
    httpOnly: true,
    sameSite: 'Strict',
    secure: policy.isSecure(c),
    expires: expiresAt,
    maxAge: Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000)),
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: CONSOLE });
}

/** Finds the session of the request's cookie, if any, and the API as its user. Never rejects. */
export function loadSession(sessions: SessionStore, fetchApi: ApiFetch): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const id = getCookie(c, SESSION_COOKIE);
    const found = id ? await sessions.find(id) : undefined;
    if (id && found) {
      c.set('session', { ...found, id });
      const call = apiCaller(fetchApi, c, found.token);
      const api: CallApi = async (method, path, body) => {
        const answer = await call(method, path, body);
        // The token was revoked or expired: the session goes with it.
        if (answer.status === 401) throw new SessionEnded(id);
        return answer;
      };
      c.set('api', api);
    }
    await next();
  };
}

/** Pages send an anonymous visitor to the sign-in form; other requests (posts, partials, streams) get 401. */
export function requireSession(): MiddlewareHandler<SignedInEnv> {
  return async (c, next) => {
    if (c.get('session')) return next();
    if (c.req.method === 'GET' && !c.req.header('hx-request') && c.req.header('accept') !== 'text/event-stream') return c.redirect(SIGN_IN, 303);
    return c.text('Sign in first', 401);
  };
}

/** The API no longer accepts the session's token. */
export class SessionEnded extends Error {
  override name = 'SessionEnded';
  constructor(readonly sessionId: string) {
    super('The API no longer accepts this session\'s token');
  }
}
