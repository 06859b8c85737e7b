import { Client } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createRetentionActivities } from '../activities/retention';
import { loadConfigOrExit, requireSecretsKey } from '../config/env';
import { createConnectionStore } from '../store/connections';
import { openDb } from '../store/db';
import { createSecretBox } from '../store/secret-box';
import { createWorkers, runWorkers } from './create-workers';
import { ensureRetentionSchedule } from './retention-schedule';
import { RuntimeLogger } from './runtime-logger';

/** A standalone worker process: needs a Temporal server and, beside other processes, PostgreSQL. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const secretsKey = requireSecretsKey(config);
  Runtime.install({ logger: new RuntimeLogger('INFO') });
  const db = await openDb(config.store);
  const connection = await NativeConnection.connect({ address: config.temporal.address ?? 'localhost:7233' });
  try {
    const activities = {
      ...createActivities({
        db,
        connections: createConnectionStore(db, createSecretBox(secretsKey)),
        autopilotBaseUrl: config.autopilot.baseUrl,
        autopilotTimeoutMs: config.autopilot.timeoutMs,
      }),
      ...createRetentionActivities({ db, retentionDays: config.retention.runDetailsDays }),
    };
    const workers = await createWorkers({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      autopilotTaskQueue: config.temporal.autopilotTaskQueue,
      autopilotRateLimit: config.autopilot.rateLimit,
      activities,
      workflowBundle: config.temporal.workflowBundle ? { codePath: config.temporal.workflowBundle } : undefined,
    });
    await ensureRetentionSchedule(new Client({ connection, namespace: config.temporal.namespace }), config.temporal.taskQueue);
    console.log(`Worker polling ${config.temporal.taskQueue} and ${config.temporal.autopilotTaskQueue}`);
    await runWorkers(workers);
  } finally {
    await connection.close();
    await db.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
