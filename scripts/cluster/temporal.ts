import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { prepareSearchAttributes } from '../../temporal/search-attributes';
import type { TemporalServerInstall } from './install';
import type { PostgresServer } from '../postgres-server';

const ROOT = path.join(__dirname, '..', '..');
/** The dynamic config docker-compose.yml gives its server: one partition for the destination queue. */
export const DYNAMIC_CONFIG = path.join(ROOT, 'deploy', 'temporal', 'dynamicconfig', 'segment-export.yaml');

export interface TemporalPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  metrics: number;
}

/**
 * Free ports below 32768: the server keeps membership ports in a `smallint` column (a port the
 * system hands out, 32768 and up, fails its start), and outside the system's ephemeral range a
 * port stays free for a restart.
 */
export async function freeTemporalPorts(): Promise<TemporalPorts> {
  const names: (keyof TemporalPorts)[] = ['frontend', 'frontendHttp', 'frontendMembership', 'history', 'historyMembership', 'matching', 'matchingMembership', 'worker', 'workerMembership', 'metrics'];
  const ports = {} as TemporalPorts;
  const taken = new Set<number>();
  for (const name of names) {
    for (;;) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      if (!taken.has(port) && (await bindable(port))) {
        taken.add(port);
        ports[name] = port;
        break;
      }
    }
  }
  return ports;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Temporal's two databases and their schemas, by its own SQL tool, as deploy/temporal/setup-schema.sh
 * does in docker-compose.yml: safe to run again (setup-schema keeps a newer version, update-schema
 * applies only what is missing).
 */
export function setUpTemporalSchema(install: TemporalServerInstall, pg: PostgresServer): void {
  const sql = (db: string, ...args: string[]) =>
    execFileSync(install.sqlTool, ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--db', db, ...args], { stdio: 'pipe' });
  for (const [db, schema] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']]) {
    pg.createDatabase(db);
    sql(db, 'setup-schema', '-v', '0.0');
    sql(db, 'update-schema', '-d', path.join(install.schemaDir, schema, 'versioned'));
  }
}

/**
 * What the compose file's `temporal` service sets for the config template embedded in the server
 * (the `temporalio/server` image starts it with no config file): the same here, with the
 * addresses of loopback. test/unit/deploy checks the two stay alike.
 */
export const SERVER_SETTINGS = {
  DB: 'postgres12',
  // Never changes for a database once used.
  NUM_HISTORY_SHARDS: '4',
  // No authorizer: the frontend is reachable only on its own network (here loopback).
  TEMPORAL_ALLOW_NO_AUTH: 'true',
} as const;

/**
 * The server's environment: SERVER_SETTINGS, this machine's PostgreSQL, every port on loopback
 * (membership ports too, so nothing listens beyond it), Prometheus metrics, and the compose file's
 * dynamic config.
 */
export function serverEnv(pg: PostgresServer, ports: TemporalPorts, dynamicConfig = DYNAMIC_CONFIG): Record<string, string> {
  return {
    ...SERVER_SETTINGS,
    POSTGRES_SEEDS: pg.host,
    DB_PORT: String(pg.port),
    POSTGRES_USER: pg.user,
    POSTGRES_PWD: '',
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    FRONTEND_GRPC_PORT: String(ports.frontend),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    HISTORY_GRPC_PORT: String(ports.history),
    HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    MATCHING_GRPC_PORT: String(ports.matching),
    MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    WORKER_GRPC_PORT: String(ports.worker),
    WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
    PROMETHEUS_ENDPOINT: `127.0.0.1:${ports.metrics}`,
    DYNAMIC_CONFIG_FILE_PATH: dynamicConfig,
    // Quieter than the image's `info`: the log is a file nobody watches unless something failed.
    LOG_LEVEL: 'warn',
  };
}

export interface TemporalServer {
  address: string;
  ports: TemporalPorts;
  /** The server's log (every start appends to it). */
  log: string;
  process(): ChildProcess | undefined;
  /** Kills the server (SIGKILL by default) and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports and state, and waits until it answers. */
  restart(): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/**
 * The real Temporal server (frontend, history, matching and worker services in one process) on
 * PostgreSQL for persistence and visibility, on loopback ports, configured as the compose file
 * configures its image (serverEnv): schemas set up, started, and the namespace with the runs'
 * search attributes in place.
 */
export async function startTemporalServer(options: {
  install: TemporalServerInstall;
  postgres: PostgresServer;
  dir: string;
  namespace?: string;
  ports?: TemporalPorts;
}): Promise<TemporalServer> {
  const { install, postgres, dir } = options;
  const namespace = options.namespace ?? 'default';
  const ports = options.ports ?? (await freeTemporalPorts());
  setUpTemporalSchema(install, postgres);
  const env = serverEnv(postgres, ports);
  // Kept beside its log, to read what it ran with.
  writeFileSync(path.join(dir, 'temporal-server.env'), Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''));
  const log = path.join(dir, 'temporal-server.log');
  const address = `127.0.0.1:${ports.frontend}`;
  let child: ChildProcess | undefined;

  const launch = async () => {
    const out = openSync(log, 'a');
    try {
      // As the image's entrypoint starts it: no config file, so the embedded template reads `env`;
      // nothing else of this process's environment may reach the template.
      child = spawn(install.server, ['start'], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    await waitUntilServing(address, child, log);
  };

  const kill = (signal: NodeJS.Signals = 'SIGKILL') => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  };

  await launch();
  await prepareNamespace(address, namespace);
  return {
    address,
    ports,
    log,
    process: () => child,
    kill,
    restart: launch,
    async stop() {
      const force = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await kill('SIGTERM');
      clearTimeout(force);
    },
  };
}

async function waitUntilServing(address: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Temporal server exited (${child.exitCode ?? child.signalCode}):\n${tail(log)}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
        // SERVING from the frontend's gRPC health service: history and matching have joined.
        const health = await connection.withDeadline(Date.now() + 2_000, () => connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' }));
        if (health.status === 1) return;
      } finally {
        await connection.close();
      }
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`Temporal server did not answer on ${address} within 120 s:\n${tail(log)}`);
}

/** The end of a log, for an error message (the folder may be gone by the time someone reads it). */
function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

/**
 * The namespace (7 days' retention, as docker-compose.yml's) and the runs' search attributes, as
 * deploy/temporal/create-namespace.sh does there. A namespace just created takes a moment to be
 * found everywhere: asked again until the attributes are in place.
 */
async function prepareNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const service = connection.workflowService;
    try {
      await service.describeNamespace({ namespace });
    } catch {
      try {
        await service.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('7 days') });
      } catch (err) {
        if (!/already exists/i.test(String((err as Error).message))) throw err;
      }
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      const state = await prepareSearchAttributes(connection, namespace);
      if (state.state === 'ready') break;
      if (Date.now() > deadline) throw new Error(`search attributes of namespace ${namespace}: ${JSON.stringify(state)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await connection.close();
  }
}
