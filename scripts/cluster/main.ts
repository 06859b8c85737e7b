import { parseArgs } from 'node:util';
import { DEMO_API_KEY } from '../../autopilot-sim/options';
import { createConnectionStore } from '../../store/connections';
import { openDb } from '../../store/db';
import { createExportStore } from '../../store/exports';
import { createSecretBox } from '../../store/secret-box';
import { setUpDemo } from '../demo-setup';
import { startCluster } from './cluster';

const USAGE = `npm run cluster [-- --workers N] [--profiles N] [--api-port P] [--dir DIR]

The production topology on loopback, without Docker: a real Temporal server on PostgreSQL, the
engine's store on PostgreSQL, the API and N worker processes, and the Autopilot simulator with a
demo connection and export. Ctrl-C stops everything; state is thrown away unless --dir is given.

  --workers N     worker processes (default 2)
  --profiles N    demo profiles loaded into the store (default 20000; 0 for none)
  --api-port P    the API's port (default: a free one)
  --sim-port P    the simulator's port (default: a free one)
  --dir DIR       keep state, config and logs in DIR (default: a temporary folder, removed at exit)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '2' },
      profiles: { type: 'string', default: '20000' },
      'api-port': { type: 'string' },
      'sim-port': { type: 'string' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const count = (name: string, v: string | undefined, min: number) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}\n\n${USAGE}`);
    return n;
  };
  const workers = count('workers', values.workers, 1)!;
  const profiles = count('profiles', values.profiles, 0)!;

  const cluster = await startCluster({
    workers,
    dir: values.dir,
    apiPort: count('api-port', values['api-port'], 1),
    sim: { port: count('sim-port', values['sim-port'], 1) },
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the cluster …');
    void cluster.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // A process that dies on its own is said once; the rest goes on.
  for (const p of [cluster.api, ...cluster.workers]) void p.exited.then(() => !stopping && console.log(`${p.name} exited; see ${p.log}`));

  let exportId: string | undefined;
  if (profiles > 0) {
    const db = await openDb({ url: cluster.storeUrl });
    try {
      const stores = { connections: createConnectionStore(db, createSecretBox(Buffer.from(cluster.secretsKey, 'base64'))), exports: createExportStore(db) };
      exportId = (await setUpDemo(db, stores, { apiKey: DEMO_API_KEY, baseUrl: cluster.sim.url }, profiles)).exportId;
    } finally {
      await db.close();
    }
  }

  const api = cluster.apiUrl;
  console.log(`
The cluster is running (${workers} worker process${workers === 1 ? '' : 'es'}).
  API            ${api}   (docs: ${api}/docs, console: ${api}/console)
  Admin token    ${cluster.adminToken}
  Temporal       ${cluster.temporal.address}   (gRPC; no Web UI: \`temporal --address ${cluster.temporal.address} workflow list\`)
  Temporal DB    ${cluster.temporalPostgres.url('temporal')}   (metrics: http://127.0.0.1:${cluster.temporal.ports.metrics}/metrics)
  Store          ${cluster.storeUrl}
  Autopilot      simulator at ${cluster.sim.url} (inspect: ${cluster.sim.origin}/_sim/stats)
  Logs           ${cluster.dir}/logs/ (api.log, worker-N.log), ${cluster.temporal.log}

Start the demo export and watch it:
  TOKEN=${cluster.adminToken}
  curl -s -X POST -H "Authorization: Bearer $TOKEN" ${api}/exports/${exportId ?? '<exportId>'}/runs
  curl -s -H "Authorization: Bearer $TOKEN" ${api}/runs/<runId>
Ctrl-C stops everything${values.dir ? `; state is kept in ${values.dir}` : ' and removes its state'}.`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
