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
import { setUpDemo } from './demo-setup';
import { startApi } from '../api/main';
import type { Logger } from '../api/logger';
import { startWorker, type RunningWorker } from '../worker/start-worker';
import { startDevServer } from './temporal-server';

/** The ports `npm start` binds; `npm run screenshot-ui` picks free ones so it never meets a running stack. */
export const NPM_START_PORTS = { temporal: 7233, temporalUi: 8233, simulator: 8787 };

export interface StackOptions {
  ports: typeof NPM_START_PORTS;
  /** Start a Temporal dev server (npm start: when no Temporal server is configured). */
  devServer: boolean;
  /** Start the Autopilot simulator and a demo connection and export on it (npm start: unless AUTOPILOT_BASE_URL is set). */
  simulator: boolean;
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
  demoExportId?: string;
  newAdminToken?: string;
  worker: RunningWorker;
}

/**
 * The whole engine on embedded defaults, in one command: Temporal dev server with its UI, the
 * Autopilot simulator (unless AUTOPILOT_BASE_URL names a real one), the store, worker and API.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  Runtime.install({ logger: new RuntimeLogger('WARN') });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));

  try {
    const options = { ports: NPM_START_PORTS, devServer: !config.temporal.address, simulator: !process.env.AUTOPILOT_BASE_URL };
    const stack = await startStack(config, options, stops);
    const base = stack.apiUrl;
    console.log(`
Autopilot segment export is running.
  API            ${base}   (docs: ${base}/docs)
  Temporal UI    ${stack.temporalUi ?? '(your Temporal server\'s UI)'}
  Autopilot      ${stack.simOrigin ? `simulator at ${stack.autopilotBaseUrl} (inspect: ${stack.simOrigin}/_sim/stats)` : stack.autopilotBaseUrl}
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
export async function startStack(config: Config, options: StackOptions, stops: (() => Promise<void>)[]): Promise<Stack> {
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

  const db = await openDb(config.store);
  stops.push(() => db.close());
  const box = createSecretBox(secretsKey);
  const connections = createConnectionStore(db, box);
  const exportStore = createExportStore(db);
  const demo: { exportId?: string } = simOrigin
    ? await setUpDemo(db, { connections, exports: exportStore }, { apiKey: DEMO_API_KEY, baseUrl: autopilotBaseUrl }, options.demoProfiles)
    : {};

  const worker = await startWorker({ config, db, box, temporalAddress, autopilotBaseUrl });
  stops.push(worker.stop);

  const api = await startApi({ config, db, secretsKey, temporalAddress, autopilotBaseUrl, logger: options.apiLogger });
  stops.push(api.close);
  const apiUrl = `http://localhost:${api.port}`;
  return { apiUrl, temporalUi, autopilotBaseUrl, simOrigin, demoExportId: demo.exportId, newAdminToken: api.newAdminToken, worker };
}

/** The embedded default: a key generated on first start and kept beside the data. */
function localSecretsKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'secrets.key');
  if (!existsSync(file)) writeFileSync(file, generateSecretsKey(), { mode: 0o600 });
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

if (require.main === module) void main();
