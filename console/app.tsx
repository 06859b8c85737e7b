import { Hono, type ErrorHandler } from 'hono';
import { csrf } from 'hono/csrf';
import type { Db } from '../store/db';
import type { SecretBox } from '../store/secret-box';
import { createSessionStore } from '../store/sessions';
import type { ApiFetch } from './api-client';
import { createAssetRoutes } from './assets';
import type { ConsoleEnv, SignedInEnv } from './env';
import { requireCsrfToken } from './form';
import { paths, SIGN_IN } from './paths';
import { createConnectionRoutes } from './routes/connections';
import { createExportRoutes } from './routes/exports';
import { createRunRoutes } from './routes/runs';
import { createSignInRoutes, createSignOutRoutes } from './routes/sign-in';
import { createOriginPolicy, type OriginOptions } from './origin';
import { clearSessionCookie, loadSession, requireSession, SessionEnded } from './session';
import { createStreamRegistry, MAX_STREAMS_PER_SESSION, type StreamRegistry } from './streams';

export interface ConsoleOptions extends OriginOptions {
  /** The Temporal UI, for links to a run's workflow; default TEMPORAL_UI_URL or the dev server's http://localhost:8233. */
  temporalUiUrl?: string;
  /** Temporal's namespace, for those links. */
  namespace?: string;
  /** How often a run's live page asks for it (default 2 s). */
  livePollMs?: number;
  /** Live streams a session may have open at once in this process (default 4); a new one ends the oldest. */
  maxStreamsPerSession?: number;
  /** When it aborts (the server is closing), every live stream ends: an open one would keep the server from closing. */
  shutdown?: AbortSignal;
}

export interface ConsoleDeps extends ConsoleOptions {
  db: Db;
  box: SecretBox;
  /** The API app's fetch: every console action is a request to it, as the signed-in user. */
  fetchApi: ApiFetch;
}

/**
 * The console, mounted at /console by the API app: server-rendered pages over the API's own
 * routes, called in-process with the session's token, so every rule of the API applies as is.
 */
export function createConsole(deps: ConsoleDeps) {
  const sessions = createSessionStore(deps.db, deps.box);
  const origins = createOriginPolicy(deps);
  const streams = createStreamRegistry(deps.maxStreamsPerSession ?? MAX_STREAMS_PER_SESSION);
  deps.shutdown?.addEventListener('abort', () => streams.endAll(), { once: true });
  const temporalUi = { url: deps.temporalUiUrl ?? process.env.TEMPORAL_UI_URL ?? 'http://localhost:8233', namespace: deps.namespace ?? 'default' };
  const app = new Hono<ConsoleEnv>();
  app.onError(consoleErrors(sessions, streams));
  app.route('/assets', createAssetRoutes());
  // Pages, fragments, streams and downloads show profiles and runs: no cache (the browser's or a proxy's) keeps them.
  app.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  // Posts must come from the console's origin (behind a proxy, the public one): a form on another site is refused before anything else.
  app.use('*', csrf({ origin: (origin, c) => origins.isOwnOrigin(origin, c) }));
  app.use('*', loadSession(sessions, deps.fetchApi));
  app.route('/', createSignInRoutes({ sessions, fetchApi: deps.fetchApi, origins }));

  const signedIn = new Hono<SignedInEnv>();
  signedIn.use('*', requireSession(), requireCsrfToken());
  signedIn.get('/', (c) => c.redirect(paths.exports, 303));
  signedIn.route('/', createSignOutRoutes(sessions, streams));
  signedIn.route('/connections', createConnectionRoutes());
  signedIn.route('/exports', createExportRoutes());
  signedIn.route('/runs', createRunRoutes({ temporalUi, live: { sessions, streams, pollMs: deps.livePollMs } }));
  app.route('/', signedIn as unknown as Hono<ConsoleEnv>);
  return app;
}

/** A session whose token the API stopped accepting signs out; anything else is a plain error page (details in the API's log). */
function consoleErrors(sessions: ReturnType<typeof createSessionStore>, streams: StreamRegistry): ErrorHandler<ConsoleEnv> {
  return async (err, c) => {
    if (err instanceof SessionEnded) {
      await sessions.remove(err.sessionId);
      streams.endSession(err.sessionId);
      clearSessionCookie(c);
      return c.redirect(SIGN_IN, 303);
    }
    throw err;
  };
}
