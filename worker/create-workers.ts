import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { AlertActivities, AutopilotActivities, RetentionActivities, SourceActivities, StoreActivities } from '../activities';

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  autopilotTaskQueue: string;
  /** Autopilot requests per second, enforced by the Temporal server across every worker of the queue. */
  autopilotRateLimit: number;
  /** The main queue's activities: the store work of runs and of retention, alerts, and reading a profile source. */
  storeActivities: StoreActivities & RetentionActivities & AlertActivities & SourceActivities;
  /** The Autopilot queue's activities, and only those: they are the rate-limited ones. */
  autopilotActivities: AutopilotActivities;
  /** A prebuilt bundle (production, tests); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/**
 * Two workers: one runs the workflows and the store-side activities, the other calls Autopilot
 * from its own task queue so the server hands out its activities at Autopilot's rate.
 */
export async function createWorkers(setup: WorkerSetup): Promise<Worker[]> {
  const common = { connection: setup.connection, namespace: setup.namespace };
  const workflows = setup.workflowBundle
    ? { workflowBundle: setup.workflowBundle }
    : { workflowsPath: require.resolve('../workflows') };
  return Promise.all([
    Worker.create({ ...common, ...workflows, taskQueue: setup.taskQueue, activities: setup.storeActivities }),
    Worker.create({
      ...common,
      taskQueue: setup.autopilotTaskQueue,
      activities: setup.autopilotActivities,
      // Must be the same on every worker of this queue: the last poller's value wins.
      maxTaskQueueActivitiesPerSecond: setup.autopilotRateLimit,
    }),
  ]);
}

/** Runs the workers until one stops (shutdown signal) and stops the others with it. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  const runs = workers.map((w) => w.run());
  try {
    await Promise.race(runs);
  } finally {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await Promise.allSettled(runs);
  }
}
