import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit, requireSecretsKey, type Config } from '../config/env';
import { temporalConnectionOptions } from '../config/temporal';
import { createSearchAttributeGuard } from '../temporal/search-attributes';
import { openDbWhenReachable, type Db } from '../store/db';
import { createConnectionStore } from '../store/connections';
import { turnTaker } from '../store/pacing-in-process';
import { createSecretBox } from '../store/secret-box';
import { ensureBootstrapToken } from '../store/tokens';
import { createApp } from './app';
import { createOutboundPolicy, hostOf } from '../outbound/policy';
import { createProfileSource, profileSourceHosts } from '../profiles-source';
import { createKeyChecker } from './check-key';
import { createJsonLogger, type Logger } from './logger';
import { createRunLauncher } from './run-launcher';
import { createRunReconciler } from './run-reconciler';
import { INTERACTIVE_SOURCE_TUNING } from './source-errors';
import { createTemporalScheduler } from './scheduler';

export interface StartApiOptions {
  config: Config;
  db: Db;
  secretsKey: Buffer;
  /** Overrides `config.temporal.address` (e.g. an embedded dev server). */
  temporalAddress?: string;
  /** Overrides `config.autopilot.baseUrl` for connections without their own URL (e.g. the simulator). */
  autopilotBaseUrl?: string;
  logger?: Logger;
  /** When the store may still be coming up (see openDbWhenReachable): what needs it waits for this. */
  storeReady?: Promise<void>;
}

export interface RunningApi {
  port: number;
  /** Set only on the first start without ADMIN_TOKEN: the one time this secret is shown. */
  newAdminToken?: string;
  close(): Promise<void>;
}

/** Wires the app to Temporal, the store and Autopilot and serves it; also used by scripts/start.ts. */
export async function startApi(options: StartApiOptions): Promise<RunningApi> {
  const { config, db } = options;
  const logger = options.logger ?? createJsonLogger();
  // Lazy: the API starts, and answers /health, while Temporal is down, and connects once it is up.
  const connection = Connection.lazy(temporalConnectionOptions(config.temporal, options.temporalAddress));
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const { taskQueue } = config.temporal;
  // Registers the runs' search attributes where the server lets it; asked again later if it did not.
  const searchAttributes = createSearchAttributeGuard({ connection, namespace: client.options.namespace, logger });
  void searchAttributes.state();
  const runs = createRunLauncher({ client, db, taskQueue, source: config.profileSource.kind, searchAttributes });
  const defaultBaseUrl = options.autopilotBaseUrl ?? config.autopilot.baseUrl;
  const outbound = createOutboundPolicy([...config.outbound.allowedHosts, hostOf(defaultBaseUrl)]);
  // GET /segments, /profile-fields and export checks read the configured source; its hosts are allowed to it alone.
  const sourceOutbound = createOutboundPolicy([...config.outbound.allowedHosts, ...profileSourceHosts(config.profileSource)]);
  const profiles = createProfileSource(config.profileSource, { db, outbound: sourceOutbound, dataverse: INTERACTIVE_SOURCE_TUNING });
  const box = createSecretBox(options.secretsKey);
  const connections = createConnectionStore(db, box);
  // The console's live pages hold a stream open: they end when the server closes.
  const closing = new AbortController();
  const app = createApp({
    db,
    box,
    connections,
    checkKey: createKeyChecker({ defaultBaseUrls: { autopilot: defaultBaseUrl }, outbound, pacing: { budgetOf: connections.destinationKey, waitForTurn: turnTaker(db) } }),
    outbound,
    minScheduleIntervalMinutes: config.api.minScheduleIntervalMinutes,
    scheduler: createTemporalScheduler({ client, taskQueue }),
    runs,
    bootstrapAdminToken: config.api.adminToken,
    trustedProxies: config.api.trustedProxies,
    logger,
    profiles,
    // Behind a TLS-terminating proxy: its https (PUBLIC_URL, or X-Forwarded-Proto from TRUSTED_PROXIES) makes the session cookie Secure, its origin is the console's.
    console: { publicUrl: config.api.publicUrl, trustedProxies: config.api.trustedProxies, namespace: config.temporal.namespace, shutdown: closing.signal },
  });
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.api.port }, () => resolve(s as Server));
  });
  const { port } = server.address() as AddressInfo;
  logger.info('API listening', { port });
  // Served meanwhile: /health says the store is down, everything else answers 503.
  await options.storeReady;
  const newAdminToken = config.api.adminToken ? undefined : await ensureBootstrapToken(db);
  const stopSweeping = createRunReconciler({ db, runs, logger }).start(config.api.sweepIntervalMs);
  return {
    port,
    newAdminToken,
    async close() {
      stopSweeping();
      closing.abort();
      // Stop taking requests and let those in flight finish before the Temporal connection goes.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await profiles.close();
      await connection.close();
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const secretsKey = requireSecretsKey(config);
  const logger = createJsonLogger();
  const { db, ready } = openDbWhenReachable(config.store, {
    onRetry: (err) => logger.warn('The store does not answer yet; trying again', { reason: storeProblem(err) }),
  });
  let api: RunningApi | undefined;
  const stop = async () => {
    await api?.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  api = await startApi({ config, db, secretsKey, logger, storeReady: ready });
  if (api.newAdminToken) console.log(`Admin token (shown once; keep it): ${api.newAdminToken}`);
}

/** What went wrong reaching the store, without the connection string (it may hold a password). */
function storeProblem(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  return [typeof e.code === 'string' ? e.code : undefined, typeof e.message === 'string' ? e.message.slice(0, 200) : undefined].filter(Boolean).join(': ');
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
