import { Hono } from 'hono';
import type { Role } from '../../store/tokens';
import type { SessionStore } from '../../store/sessions';
import { apiCaller, errorMessage, type ApiFetch } from '../api-client';
import type { ConsoleEnv, SignedInEnv } from '../env';
import { readForm } from '../form';
import { SignInPage } from '../pages/sign-in';
import { paths, SIGN_IN } from '../paths';
import { page } from '../render';
import type { OriginPolicy } from '../origin';
import { clearSessionCookie, SESSION_HOURS, setSessionCookie } from '../session';
import type { StreamRegistry } from '../streams';

type Probe = { role: Role } | { error: string; status: 401 | 429 | 503 };

/**
 * What the token may do, asked of the API itself: any valid token lists connections, and only an
 * admin's lists tokens. The role only shapes the pages; every action is the API's to allow.
 */
async function probeToken(fetchApi: ApiFetch, c: Parameters<typeof apiCaller>[1], token: string): Promise<Probe> {
  const api = apiCaller(fetchApi, c, token);
  const seen = await api('GET', '/connections');
  if (seen.status === 401) return { error: 'That token is unknown, revoked or expired.', status: 401 };
  if (seen.status === 429) return { error: errorMessage(seen), status: 429 };
  if (!seen.ok) return { error: errorMessage(seen), status: 503 };
  return { role: (await api('GET', '/tokens')).ok ? 'admin' : 'contributor' };
}

export function createSignInRoutes(deps: { sessions: SessionStore; fetchApi: ApiFetch; origins: OriginPolicy }) {
  return new Hono<ConsoleEnv>()
    .get('/sign-in', (c) => (c.get('session') ? c.redirect(paths.exports, 303) : page(c, <SignInPage signedOut={c.req.query('signed-out') !== undefined} />)))
    .post('/sign-in', async (c) => {
      const token = (await readForm(c)).text('token');
      if (!token) return page(c, <SignInPage error="Enter an API token." />, 400);
      const probe = await probeToken(deps.fetchApi, c, token);
      if ('error' in probe) return page(c, <SignInPage error={probe.error} />, probe.status);
      await deps.sessions.removeExpired();
      const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600_000);
      const { sessionId } = await deps.sessions.create({ token, role: probe.role, expiresAt });
      setSessionCookie(c, sessionId, expiresAt, deps.origins);
      return c.redirect(paths.exports, 303);
    });
}

/** Ends the session here and in the store, and its live streams (behind the session and CSRF checks). */
export function createSignOutRoutes(sessions: SessionStore, streams: StreamRegistry) {
  return new Hono<SignedInEnv>().post('/sign-out', async (c) => {
    await sessions.remove(c.var.session.id);
    streams.endSession(c.var.session.id);
    clearSessionCookie(c);
    return c.redirect(`${SIGN_IN}?signed-out`, 303);
  });
}
