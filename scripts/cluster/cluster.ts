import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_API_KEY, type AutopilotSimOptionsInput } from '../../autopilot-sim/options';
import { generateSecretsKey } from '../../store/secret-box';
import { build, WORKFLOW_BUNDLE } from '../build';
import { freePort } from '../temporal-server';
import { ensureTemporalServer } from './install';
import { startPostgres, type PostgresServer } from '../postgres-server';
import { startApiProcess, startSimProcess, startWorkerProcess, type EngineProcess, type SimProcess } from './processes';
import { freeTemporalPorts, startTemporalServer, type TemporalPorts, type TemporalServer } from './temporal';

export interface ClusterOptions {
  /** Worker processes (default 2, as docker-compose.yml's replicas). */
  workers?: number;
  /** Where state, config and logs go; a fresh folder under the system's temp folder when absent. */
  dir?: string;
  /** Keep `dir` when the cluster stops (default: only when `dir` was given). */
  keep?: boolean;
  /** The API's port (default: a free one). */
  apiPort?: number;
  /** The Autopilot simulator (default: the demo key, 5 requests/s per key, 20–60 ms latency). */
  sim?: AutopilotSimOptionsInput & { port?: number };
  /** More environment for the API and the workers (e.g. DESTINATION_QUEUE_RATE_LIMIT). */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

export interface Cluster {
  dir: string;
  apiUrl: string;
  /** The bootstrap admin token (ADMIN_TOKEN of the API). */
  adminToken: string;
  /** SECRETS_KEY of the API and the workers (base64). */
  secretsKey: string;
  temporal: TemporalServer;
  temporalPostgres: PostgresServer;
  storePostgres: PostgresServer;
  /** DATABASE_URL of the API and the workers. */
  storeUrl: string;
  /** The Autopilot simulator, a process of its own. */
  sim: SimProcess;
  api: EngineProcess;
  /** Every worker process started, in order (killed ones included). */
  workers: EngineProcess[];
  /** Starts one more worker process and waits until it polls. */
  startWorker(): Promise<EngineProcess>;
  /** Stops everything (API and workers gracefully), in reverse order of start. */
  stop(): Promise<void>;
}

/**
 * The production topology of docker-compose.yml on loopback, without Docker: a real Temporal
 * server (built once into `.tools/`) on a PostgreSQL of its own, the engine's store on another
 * PostgreSQL, the API and N worker processes (`npm run build`'s JavaScript, as the image runs it,
 * sharing only Temporal, the store and the destination), and the Autopilot simulator.
 * Everything already started is stopped again when a later part fails.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? ((line: string) => console.log(line));
  const install = ensureTemporalServer(undefined, log);
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'segment-export-cluster-'));
  const keep = options.keep ?? options.dir !== undefined;
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  // PostgreSQL runs as its own user under root: it must reach its folders inside this one.
  chmodSync(dir, 0o711);
  const stops: (() => Promise<void>)[] = [];
  const engine: EngineProcess[] = [];
  const stopAll = async () => {
    // The API and the workers at once (each gracefully: activities in flight finish), then the rest.
    await Promise.all(engine.map((p) => p.stop()));
    for (const stop of stops.reverse()) await stop().catch((err) => log(`stopping: ${err instanceof Error ? err.message : err}`));
    stops.length = 0;
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };

  try {
    const started = Date.now();
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    const [temporalPostgres, storePostgres] = await Promise.all([startPostgres(path.join(dir, 'temporal-postgres')), startPostgres(path.join(dir, 'store-postgres'))]);
    stops.push(() => temporalPostgres.stop(), () => storePostgres.stop());
    storePostgres.createDatabase('export');
    const storeUrl = storePostgres.url('export');
    log(`PostgreSQL for Temporal on 127.0.0.1:${temporalPostgres.port}, for the store on 127.0.0.1:${storePostgres.port} (${elapsed()})`);

    // The API and the workers run what the image runs: `npm run build`'s JavaScript and workflow
    // bundle (TEMPORAL_WORKFLOW_BUNDLE), built while Temporal's schema is set up.
    const building = build(log);
    building.catch(() => undefined);

    // The ports, kept in `dir` too: a cluster started again on it keeps its addresses (the demo
    // connection names the simulator's, the server's cluster metadata its frontend's).
    const portsFile = path.join(dir, 'ports.json');
    const saved = (existsSync(portsFile) ? JSON.parse(readFileSync(portsFile, 'utf8')) : {}) as Partial<{ api: number; sim: number; temporal: TemporalPorts }>;
    const ports = {
      api: options.apiPort ?? saved.api ?? (await freePort()),
      sim: options.sim?.port ?? saved.sim ?? (await freePort()),
      temporal: saved.temporal ?? (await freeTemporalPorts()),
    };
    writeFileSync(portsFile, JSON.stringify(ports, null, 2));

    const temporal = await startTemporalServer({ install, postgres: temporalPostgres, dir, ports: ports.temporal });
    stops.push(() => temporal.stop());
    log(`Temporal server ${install.version} on ${temporal.address} (${elapsed()})`);

    const sim = await startSimProcess({ keys: [DEMO_API_KEY], rateLimit: 5, faults: { latencyMs: [20, 60] }, ...options.sim, port: ports.sim }, path.join(dir, 'logs', 'autopilot-sim.log'));
    stops.push(() => sim.stop(5_000));

    // Kept in `dir`, so a cluster started again on it reads the connections it sealed.
    const secretsKey = keptIn(path.join(dir, 'secrets.key'), generateSecretsKey);
    const adminToken = keptIn(path.join(dir, 'admin-token'), () => `ape_cluster_${randomBytes(24).toString('hex')}`);
    const apiPort = ports.api;
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const common: Record<string, string> = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      DATABASE_URL: storeUrl,
      SECRETS_KEY: secretsKey,
      AUTOPILOT_BASE_URL: sim.url,
      PUBLIC_URL: apiUrl,
      ...options.env,
    };
    await building;

    const workers: EngineProcess[] = [];
    const startWorker = async () => {
      const n = workers.length + 1;
      const worker = startWorkerProcess(`worker-${n}`, { ...common, TEMPORAL_WORKFLOW_BUNDLE: WORKFLOW_BUNDLE, WORKER_HEALTH_PORT: String(await freePort()) }, path.join(dir, 'logs', `worker-${n}.log`));
      workers.push(worker);
      engine.push(worker);
      await worker.ready;
      return worker;
    };
    const api = startApiProcess({ ...common, PORT: String(apiPort), ADMIN_TOKEN: adminToken }, path.join(dir, 'logs', 'api.log'));
    engine.push(api);
    await Promise.all([api.ready, ...Array.from({ length: options.workers ?? 2 }, () => startWorker())]);
    log(`API and ${workers.length} worker processes ready (${elapsed()})`);

    return {
      dir,
      apiUrl,
      adminToken,
      secretsKey,
      temporal,
      temporalPostgres,
      storePostgres,
      storeUrl,
      sim,
      api,
      workers,
      startWorker,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function keptIn(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, value, { mode: 0o600 });
  return value;
}
