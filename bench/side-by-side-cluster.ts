import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE, exportWorkflowId } from '../domain/ids';
import { startCluster } from '../scripts/cluster/cluster';
import { createConnectionStore } from '../store/connections';
import { openDb } from '../store/db';
import { createExportStore, toSettings } from '../store/exports';
import { createSecretBox } from '../store/secret-box';
import { runExport } from '../workflows';
import { cpuMeter } from './cpu';
import { connectionOf, exportOf, importSideBySide, measureSideBySide, simOptions, type SideBySideFigures } from './side-by-side';

/**
 * Scenario k on the `npm run cluster` topology (scripts/cluster): the store and Temporal each on a
 * PostgreSQL of their own, `workers` worker processes sharing each key's turns through the store,
 * the simulator in a process of its own. The same keys, profiles and measure as on the embedded default.
 */
export async function sideBySideOnCluster(options: { workers: number; keys: number; perKey: number }): Promise<SideBySideFigures> {
  const cluster = await startCluster({ workers: options.workers, sim: simOptions(options.keys), log: () => undefined });
  const db = await openDb({ url: cluster.storeUrl });
  const connection = await Connection.connect({ address: cluster.temporal.address });
  try {
    await importSideBySide(db, options.keys, options.perKey);
    const connections = createConnectionStore(db, createSecretBox(Buffer.from(cluster.secretsKey, 'base64')));
    const exports = createExportStore(db);
    const settings = await Promise.all(
      Array.from({ length: options.keys }, async (_, k) => {
        const c = await connections.create(connectionOf(k, cluster.sim.url));
        const e = await exports.create({
          displayName: `Key ${k}`, mapping: { email: 'EmailAddress', firstName: 'FirstName' }, schedule: null,
          profileLimit: 100_000, onLimitExceeded: 'fail', createdBy: 'bench', ...exportOf(k, c.id),
        });
        return toSettings({ ...e, connectionId: c.id });
      }),
    );
    const client = new Client({ connection });
    return await measureSideBySide({
      sim: cluster.sim,
      keys: options.keys,
      perKey: options.perKey,
      meter: () => {
        const trees: Record<string, number | undefined> = {
          store: cluster.storePostgres.pid(),
          temporal: cluster.temporal.process()?.pid,
          'temporal postgres': cluster.temporalPostgres.pid(),
          simulator: cluster.sim.child.pid,
          api: cluster.api.child.pid,
        };
        cluster.workers.forEach((w, i) => (trees[`worker ${i + 1}`] = w.child.pid));
        const cpu = cpuMeter(trees, { withChildren: ['store', 'temporal postgres'] });
        return () => {
          const figures = cpu.read();
          cpu.stop();
          return figures;
        };
      },
      runAll: async () => {
        const handles = await Promise.all(
          settings.map((s) =>
            client.workflow.start(runExport, {
              taskQueue: DEFAULT_TASK_QUEUE,
              workflowId: `${exportWorkflowId(s.exportId)}-${randomUUID()}`,
              args: [{ export: s, request: {}, source: 'builtin', trigger: { kind: 'manual', by: 'bench' }, options: {} }],
            }),
          ),
        );
        return Promise.all(handles.map((h) => h.result()));
      },
    });
  } finally {
    await connection.close();
    await db.close();
    await cluster.stop();
  }
}
