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
  /** An optional ceiling on destination activities per second, enforced by the Temporal server across every worker of the queue. */
  destinationRateLimit?: number;
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
 * The destination queue's rate when no ceiling is set: each key's budget, kept in the store and
 * shared by every worker, is what limits its requests. A deployment-wide number, which an operator
 * would have to keep equal to the sum of the budgets in use at once, made ten keys run one after the other.
 */
const NO_QUEUE_CEILING = 100_000;

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
      // Must be the same on every worker of this queue: the last poller's value wins. Without a
      // ceiling, a high one is still sent, so a lower one set before (the server keeps it) goes.
      maxTaskQueueActivitiesPerSecond: setup.destinationRateLimit ?? NO_QUEUE_CEILING,
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
