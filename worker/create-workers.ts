import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { AlertActivities, DestinationActivities, RetentionActivities, SourceActivities, StoreActivities } from '../activities';
import { alertTaskQueue, destinationTaskQueue } from '../domain/ids';

/** Alert deliveries at once per worker: each holds its slot for one attempt's deadline at most. */
const ALERT_DELIVERY_SLOTS = 10;

/** Slot budgets; the defaults suit production, tests make them small to show who waits for whom. */
export interface WorkerSlots {
  /** Activities at once on the main queue (freeze, source reads, store work); the SDK's default (100) otherwise. */
  activities?: number;
  /** Alert deliveries at once, on their own queue. */
  alertDeliveries?: number;
}

export interface WorkerSetup {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Destination activities per second, enforced by the Temporal server across every worker of the destination queue. */
  destinationRateLimit: number;
  /** The main queue's activities: the store work of runs and of retention, and reading a profile source. */
  storeActivities: StoreActivities & RetentionActivities & SourceActivities;
  /** The destination queue's activities, and only those: they are the metered ones. */
  destinationActivities: DestinationActivities;
  /** The alert queue's activity: a slow receiver holds only this queue's slots. */
  alertActivities: AlertActivities;
  slots?: WorkerSlots;
  /** A prebuilt bundle (production, tests); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/**
 * Three workers: one runs the workflows and the store-side activities, one calls destinations from
 * their own task queue (`destinationTaskQueue`) so the server meters their activities, and one delivers
 * alerts from theirs (`alertTaskQueue`), so a webhook receiver never takes a slot a run waits for.
 */
export async function createWorkers(setup: WorkerSetup): Promise<Worker[]> {
  const common = { connection: setup.connection, namespace: setup.namespace };
  const workflows = setup.workflowBundle
    ? { workflowBundle: setup.workflowBundle }
    : { workflowsPath: require.resolve('../workflows') };
  return Promise.all([
    Worker.create({
      ...common,
      ...workflows,
      taskQueue: setup.taskQueue,
      // Alert deliveries scheduled here before they had a queue of their own still find the activity.
      activities: { ...setup.storeActivities, ...setup.alertActivities },
      maxConcurrentActivityTaskExecutions: setup.slots?.activities,
    }),
    Worker.create({
      ...common,
      taskQueue: destinationTaskQueue(setup.taskQueue),
      activities: setup.destinationActivities,
      // Must be the same on every worker of this queue: the last poller's value wins.
      maxTaskQueueActivitiesPerSecond: setup.destinationRateLimit,
    }),
    Worker.create({
      ...common,
      taskQueue: alertTaskQueue(setup.taskQueue),
      activities: setup.alertActivities,
      maxConcurrentActivityTaskExecutions: setup.slots?.alertDeliveries ?? ALERT_DELIVERY_SLOTS,
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
