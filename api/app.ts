import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ProxyRange } from '../config/trusted-proxies';
import type { OutboundPolicy } from '../outbound/policy';
import { BuiltinProfileSource } from '../profiles-source/builtin';
import type { ProfileSource } from '../profiles-source/source';
import { createAlertStore } from '../store/alerts';
import { createConnectionStore, type ConnectionStore } from '../store/connections';
import type { Db } from '../store/db';
import { createExportStore } from '../store/exports';
import type { SecretBox } from '../store/secret-box';
import { createTokenStore } from '../store/tokens';
import { identify, type AppEnv } from './auth';
import type { AuthFailureLimiter } from './auth-failures';
import { trustedProxies } from './client-address';
import { BEARER_SCHEME } from './contract/common';
import { createConsole, type ConsoleOptions } from '../console/app';
import { createDocsRoutes } from './docs';
import { createErrorHandler, errorBody, errorsOfThisRealm, validationHook } from './errors';
import { createJsonLogger, type Logger } from './logger';
import { createFieldLister } from './destination-fields';
import type { CheckKey, ListDestinationFields, RunLauncher, Scheduler } from './ports';
import { tagRequests, withRequestId } from './request-id';
import { createCatalogRoutes } from './routes/catalog';
import { createConnectionRoutes } from './routes/connections';
import { createExportRoutes } from './routes/exports';
import { createRunRoutes } from './routes/runs';
import { createRunReconciler } from './run-reconciler';
import { createTokenRoutes } from './routes/tokens';
import { noStoreByDefault, securityHeaders } from './security-headers';

export type AppDeps = {
  db: Db;
  checkKey: CheckKey;
  /** Reads a connection's account fields to check a mapping (Ortto); by default asks the destination itself. */
  destinationFields?: ListDestinationFields;
  /** Where connections and alert webhooks may point. */
  outbound: OutboundPolicy;
  /** Schedules may not fire more often (default 15 minutes). */
  minScheduleIntervalMinutes?: number;
  scheduler: Scheduler;
  runs: RunLauncher;
  /** Accepted as an admin named `admin` (the ADMIN_TOKEN setting). */
  bootstrapAdminToken?: string;
  /** Defaults to JSON lines on stdout/stderr. */
  logger?: Logger;
  /** Largest JSON body accepted; default 256 KiB. The NDJSON import is streamed and not limited. */
  maxJsonBytes?: number;
  /** Seals and opens secrets at rest: API keys, alert signing secrets. */
  box: SecretBox;
  /** Defaults to a store over `db` and `box`. */
  connections?: ConnectionStore;
  /** Where segments and profile attributes are listed and checked (PROFILE_SOURCE); defaults to the built-in store over `db`. */
  profiles?: ProfileSource;
  /** Who failed to authenticate too often lately; defaults to a fresh one per app. */
  authFailures?: AuthFailureLimiter;
  /** Reverse proxies whose `X-Forwarded-For` names the client (TRUSTED_PROXIES); none by default. */
  trustedProxies?: ProxyRange[];
  /** The console's settings (cookies, the Temporal UI's address); it is served at /console either way. */
  console?: ConsoleOptions;
};

/**
 * The HTTP API as a Hono app: no listening, no environment. Every route is declared once in
 * `contract/` (zod + OpenAPI 3.1, served at /openapi.json, browsable at /docs).
 */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const logger = withRequestId(deps.logger ?? createJsonLogger());
  const connections = deps.connections ?? createConnectionStore(deps.db, deps.box);
  const profiles = deps.profiles ?? new BuiltinProfileSource(deps.db);
  const stores = { db: deps.db, connections, exports: createExportStore(deps.db), logger, profiles };
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.onError(createErrorHandler(logger));
  app.notFound((c) => c.json(errorBody('not_found', `No route ${c.req.method} ${c.req.path}`), 404));
  app.use('*', errorsOfThisRealm());
  app.use('*', tagRequests());
  app.use('*', securityHeaders());
  app.use('*', noStoreByDefault());
  app.use('*', requestLog(logger));
  app.use('*', limitJsonBodies(deps.maxJsonBytes ?? 256 * 1024));
  app.use(
    '*',
    identify(createTokenStore(deps.db), {
      bootstrapAdminToken: deps.bootstrapAdminToken,
      failures: deps.authFailures,
      isTrustedProxy: trustedProxies(deps.trustedProxies ?? []),
    }),
  );

  app.route('/', createCatalogRoutes({ ...stores, runs: deps.runs }));
  app.route('/', createTokenRoutes(createTokenStore(deps.db)));
  app.route('/', createConnectionRoutes({ ...stores, checkKey: deps.checkKey, outbound: deps.outbound, scheduler: deps.scheduler, runs: deps.runs }));
  const alerts = createAlertStore(deps.db, deps.box);
  const minScheduleIntervalMinutes = deps.minScheduleIntervalMinutes ?? 15;
  const destinationFields = deps.destinationFields ?? createFieldLister({ connections, outbound: deps.outbound });
  app.route('/', createExportRoutes({ ...stores, scheduler: deps.scheduler, runs: deps.runs, alerts, outbound: deps.outbound, minScheduleIntervalMinutes, destinationFields }));
  app.route('/', createRunRoutes({ ...stores, runs: deps.runs, reconciler: createRunReconciler({ db: deps.db, runs: deps.runs, logger }) }));

  app.openAPIRegistry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (`ape_…`) issued by an admin through POST /tokens, or the ADMIN_TOKEN setting',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Autopilot segment export',
      version: '0.1.0',
      description: 'Export segments of customer profiles to Autopilot. Every error is `{ "error": { "code", "message", "details"? } }`.',
    },
  });
  app.route('/', createDocsRoutes());
  // The console calls this very app, in-process, with its session's token: every API rule applies.
  app.route('/console', createConsole({ ...deps.console, db: deps.db, box: deps.box, fetchApi: (request, env) => app.fetch(request, env) }));
  app.get('/', (c) => c.redirect('/console', 303));
  return app;
}

/** Method, path, status and time (and the request id, as on every line): never bodies, queries' values are ids and cursors only. */
function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    logger.info('Request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
      user: c.get('user')?.name,
    });
  };
}

function limitJsonBodies(maxSize: number): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize,
    onError: (c) => c.json(errorBody('payload_too_large', `The request body is over ${maxSize} bytes`), 413),
  });
  return (c, next) => (c.req.path === '/profiles/import' ? next() : limit(c, next));
}
