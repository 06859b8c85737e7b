import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Runtime } from '@temporalio/worker';
import { DEMO_API_KEY } from '../autopilot-sim/options';
import { startAutopilotSim } from '../autopilot-sim/server';
import { loadConfigOrExit, type Config } from '../config/env';
import { createConnectionStore } from '../store/connections';
import { openDb } from '../store/db';
import { createExportStore } from '../store/exports';
import { createSecretBox, generateSecretsKey } from '../store/secret-box';
import { RuntimeLogger } from '../worker/runtime-logger';
import { setUpDataverseDemoExport, startDataverseDemo } from './dataverse-demo';
import { ensureDemoOrttoConnection, setUpDemo } from './demo-setup';
import { ORTTO_DEMO_API_KEY, startOrttoSim } from '../ortto-sim';
import { startApi } from '../api/main';
import type { Logger } from '../api/logger';
import { startWorker, type RunningWorker } from '../worker/start-worker';
import { startDevServer } from './temporal-server';

/** The ports `npm start` binds; `npm run screenshot-ui` picks free ones so it never meets a running stack. */
export const NPM_START_PORTS = { temporal: 7233, temporalUi: 8233, simulator: 8787, orttoSimulator: 8788, dataverseSim: 8790 };

export interface StackOptions {
  /** `dataverseSim` is needed only with {@link StackOptions.dataverseSim}. */
  ports: Omit<typeof NPM_START_PORTS, 'dataverseSim' | 'orttoSimulator'> & { dataverseSim?: number; orttoSimulator?: number };
  /** Start a Temporal dev server (npm start: when no Temporal server is configured). */
  devServer: boolean;
  /** Start the Autopilot simulator and a demo connection and export on it (npm start: unless AUTOPILOT_BASE_URL is set). */
  simulator: boolean;
  /**
   * Start the Dataverse fake with its demo customers and read profiles from it, as PROFILE_SOURCE=dataverse
   * with DATAVERSE_* pointing at it would (npm start: PROFILE_SOURCE=dataverse without DATAVERSE_URL).
   */
  dataverseSim?: boolean;
  /** Demo profiles an empty store is loaded with (default: setUpDemo's). */
  demoProfiles?: number;
  /** The API's log (default: JSON lines on stdout and stderr). */
  apiLogger?: Logger;
}

export interface Stack {
  apiUrl: string;
  temporalUi?: string;
  autopilotBaseUrl: string;
  simOrigin?: string;
  /** The Ortto simulator the demo's Ortto connection sends to, when started. */
  orttoSimUrl?: string;
  /** The Dataverse fake the profiles are read from, when started. */
  dataverseSimUrl?: string;
  /** Where profiles are read from, in words. */
  profileSource: string;
  demoExportId?: string;
  newAdminToken?: string;
  worker: RunningWorker;
}

/**
 * The whole engine on embedded defaults, in one command: Temporal dev server with its UI, the
 * Autopilot simulator (unless AUTOPILOT_BASE_URL names a real one), the store, worker and API.
 */
async function main(): Promise<void> {
  // PROFILE_SOURCE=dataverse without an environment to read: the local fake stands in for one.
  const dataverseSim = process.env.PROFILE_SOURCE === 'dataverse' && !process.env.DATAVERSE_URL;
  const config = loadConfigOrExit(dataverseSim ? { ...process.env, PROFILE_SOURCE: 'builtin' } : process.env);
  Runtime.install({ logger: new RuntimeLogger('WARN') });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));

  try {
    const options = { ports: NPM_START_PORTS, devServer: !config.temporal.address, simulator: !process.env.AUTOPILOT_BASE_URL, dataverseSim };
    const stack = await startStack(config, options, stops);
    const base = stack.apiUrl;
    console.log(`
Autopilot segment export is running.
  API            ${base}   (docs: ${base}/docs)
  Console        ${base}/console   (sign in with an API token${stack.newAdminToken ? ': the admin token below' : ''})
  Temporal UI    ${stack.temporalUi ?? '(your Temporal server\'s UI)'}
  Autopilot      ${stack.simOrigin ? `simulator at ${stack.autopilotBaseUrl} (inspect: ${stack.simOrigin}/_sim/stats)` : stack.autopilotBaseUrl}
  Ortto          ${stack.orttoSimUrl ? `simulator at ${stack.orttoSimUrl} (inspect: ${stack.orttoSimUrl}/_sim/health)` : 'connections name their region'}
  Profiles       ${stack.profileSource}
${stack.newAdminToken ? `  Admin token    ${stack.newAdminToken}   (shown once; keep it)\n` : ''}
Start the demo export and watch it:
  curl -s -X POST -H "Authorization: Bearer $TOKEN" ${base}/exports/${stack.demoExportId ?? '<exportId>'}/runs
  curl -s -H "Authorization: Bearer $TOKEN" ${base}/runs/<runId>
Ctrl-C stops everything; state is kept in ${config.dataDir}.`);
    await stack.worker.done;
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    await stopAll();
    process.exit(1);
  }
}

/**
 * Starts what `npm start` runs. Each part's stop goes onto `stops` as soon as the part is up, so
 * a failure or a signal halfway stops what is already running (in reverse order).
 */
export async function startStack(given: Config, options: StackOptions, stops: (() => Promise<void>)[]): Promise<Stack> {
  let config = given;
  mkdirSync(config.dataDir, { recursive: true });
  const secretsKey = config.secretsKey ?? localSecretsKey(config.dataDir);
  let temporalAddress: string | undefined;
  let temporalUi = process.env.TEMPORAL_UI_URL;
  if (options.devServer) {
    console.log('Starting the Temporal dev server …');
    const { temporal: port, temporalUi: uiPort } = options.ports;
    const server = await startDevServer({ port, uiPort, dbFile: path.join(config.dataDir, 'temporal.db') });
    stops.push(server.stop);
    temporalAddress = server.address;
    temporalUi = server.uiUrl;
  }

  let autopilotBaseUrl = config.autopilot.baseUrl;
  let simOrigin: string | undefined;
  if (options.simulator) {
    const sim = await startAutopilotSim({ port: options.ports.simulator, keys: [DEMO_API_KEY], rateLimit: 5, faults: { latencyMs: [20, 60] } });
    stops.push(sim.close);
    autopilotBaseUrl = sim.url;
    simOrigin = sim.origin;
  }
  // The Ortto simulator beside it, for a demo connection of each type.
  const orttoSim = options.simulator ? await startOrttoSim({ port: options.ports.orttoSimulator ?? 0, customFields: [{ name: 'Plan', type: 'text' }] }) : undefined;
  if (orttoSim) stops.push(orttoSim.close);

  let dataverseSimUrl: string | undefined;
  if (options.dataverseSim) {
    const demo = await startDataverseDemo(options.ports.dataverseSim ?? 0);
    stops.push(demo.running.close);
    dataverseSimUrl = demo.running.url;
    config = { ...config, profileSource: demo.source };
  }

  const db = await openDb(config.store);
  stops.push(() => db.close());
  const box = createSecretBox(secretsKey);
  const connections = createConnectionStore(db, box);
  const exportStore = createExportStore(db);
  const demoAutopilot = { apiKey: DEMO_API_KEY, baseUrl: autopilotBaseUrl };
  const stores = { connections, exports: exportStore };
  // Reading the fake needs no profiles in the store, only an export naming its segments.
  const demo: { exportId?: string } = !simOrigin
    ? {}
    : dataverseSimUrl
      ? await setUpDataverseDemoExport(stores, demoAutopilot)
      : await setUpDemo(db, stores, demoAutopilot, options.demoProfiles);
  if (orttoSim) await ensureDemoOrttoConnection(connections, { apiKey: ORTTO_DEMO_API_KEY, baseUrl: orttoSim.url });

  const worker = await startWorker({ config, db, box, temporalAddress, autopilotBaseUrl });
  stops.push(worker.stop);

  const api = await startApi({ config, db, secretsKey, temporalAddress, autopilotBaseUrl, logger: options.apiLogger });
  stops.push(api.close);
  const apiUrl = `http://localhost:${api.port}`;
  const profileSource = describeSource(config, dataverseSimUrl);
  return { apiUrl, temporalUi, autopilotBaseUrl, simOrigin, orttoSimUrl: orttoSim?.url, dataverseSimUrl, profileSource, demoExportId: demo.exportId, newAdminToken: api.newAdminToken, worker };
}

function describeSource(config: Config, dataverseSimUrl: string | undefined): string {
  if (dataverseSimUrl) return `Customer Insights – Data fake at ${dataverseSimUrl} (inspect: ${dataverseSimUrl}/_sim/stats)`;
  return config.profileSource.kind === 'dataverse' ? `Customer Insights – Data at ${config.profileSource.organizationUrl}` : 'the built-in store';
}

/** The embedded default: a key generated on first start and kept beside the data. */
function localSecretsKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'secrets.key');
  if (!existsSync(file)) writeFileSync(file, generateSecretsKey(), { mode: 0o600 });
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

// Nothing to wait for here: main() reports its own failure and exits 1.
if (require.main === module) void main();
