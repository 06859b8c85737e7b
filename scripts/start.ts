import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Runtime } from '@temporalio/worker';
import { DEMO_API_KEY } from '../autopilot-sim/options';
import { startAutopilotSim } from '../autopilot-sim/server';
import { loadConfigOrExit } from '../config/env';
import { createConnectionStore } from '../store/connections';
import { openDb } from '../store/db';
import { createExportStore } from '../store/exports';
import { createSecretBox, generateSecretsKey } from '../store/secret-box';
import { RuntimeLogger } from '../worker/runtime-logger';
import { setUpDemo } from './demo-setup';
import { startApi } from '../api/main';
import { startWorker } from '../worker/start-worker';
import { startDevServer } from './temporal-server';

/**
 * The whole engine on embedded defaults, in one command: Temporal dev server with its UI, the
 * Autopilot simulator (unless AUTOPILOT_BASE_URL names a real one), the store, worker and API.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  Runtime.install({ logger: new RuntimeLogger('WARN') });
  mkdirSync(config.dataDir, { recursive: true });
  const secretsKey = config.secretsKey ?? localSecretsKey(config.dataDir);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));

  try {
    let temporalAddress = config.temporal.address;
    let temporalUi = process.env.TEMPORAL_UI_URL;
    if (!temporalAddress) {
      console.log('Starting the Temporal dev server …');
      const server = await startDevServer({ port: 7233, uiPort: 8233, dbFile: path.join(config.dataDir, 'temporal.db') });
      stops.push(server.stop);
      temporalAddress = server.address;
      temporalUi = server.uiUrl;
    }

    let autopilotBaseUrl = config.autopilot.baseUrl;
    let simOrigin: string | undefined;
    if (!process.env.AUTOPILOT_BASE_URL) {
      const sim = await startAutopilotSim({ port: 8787, keys: [DEMO_API_KEY], rateLimit: 5, faults: { latencyMs: [20, 60] } });
      stops.push(sim.close);
      autopilotBaseUrl = sim.url;
      simOrigin = sim.origin;
    }

    const db = await openDb(config.store);
    stops.push(() => db.close());
    const connections = createConnectionStore(db, createSecretBox(secretsKey));
    const exportStore = createExportStore(db);
    const demo: { exportId?: string } = simOrigin
      ? await setUpDemo(db, { connections, exports: exportStore }, { apiKey: DEMO_API_KEY, baseUrl: autopilotBaseUrl })
      : {};

    const worker = await startWorker({ config, db, connections, temporalAddress, autopilotBaseUrl });
    stops.push(worker.stop);

    const api = await startApi({ config, db, secretsKey, temporalAddress, autopilotBaseUrl });
    stops.push(api.close);

    const base = `http://localhost:${config.api.port}`;
    console.log(`
Autopilot segment export is running.
  API            ${base}   (docs: ${base}/docs)
  Temporal UI    ${temporalUi ?? '(your Temporal server\'s UI)'}
  Autopilot      ${simOrigin ? `simulator at ${autopilotBaseUrl} (inspect: ${simOrigin}/_sim/stats)` : autopilotBaseUrl}
${api.newAdminToken ? `  Admin token    ${api.newAdminToken}   (shown once; keep it)\n` : ''}
Start the demo export and watch it:
  curl -s -X POST -H "Authorization: Bearer $TOKEN" ${base}/exports/${demo.exportId ?? '<exportId>'}/runs
  curl -s -H "Authorization: Bearer $TOKEN" ${base}/runs/<runId>
Ctrl-C stops everything; state is kept in ${config.dataDir}.`);
    await worker.done;
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    await stopAll();
    process.exit(1);
  }
}

/** The embedded default: a key generated on first start and kept beside the data. */
function localSecretsKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'secrets.key');
  if (!existsSync(file)) writeFileSync(file, generateSecretsKey(), { mode: 0o600 });
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

void main();
