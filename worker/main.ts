import { Runtime } from '@temporalio/worker';
import { loadConfigOrExit, requireSecretsKey } from '../config/env';
import { destinationTaskQueue } from '../domain/ids';
import { openDb } from '../store/db';
import { createSecretBox } from '../store/secret-box';
import { serveWorkerHealth } from './health';
import { RuntimeLogger } from './runtime-logger';
import { startWorker } from './start-worker';

/** A standalone worker process: needs a Temporal server and, beside other processes, PostgreSQL. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const secretsKey = requireSecretsKey(config);
  Runtime.install({ logger: new RuntimeLogger('INFO') });
  const db = await openDb(config.store);
  try {
    const worker = await startWorker({ config, db, box: createSecretBox(secretsKey) });
    console.log(`Worker polling ${config.temporal.taskQueue} and ${destinationTaskQueue(config.temporal.taskQueue)}`);
    let polling = true;
    const done = worker.done.finally(() => (polling = false));
    const health = config.worker.healthPort ? await serveWorkerHealth(config.worker.healthPort, () => polling) : undefined;
    await done.finally(() => health?.close());
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
