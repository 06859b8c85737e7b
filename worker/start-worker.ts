import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, type WorkerOptions } from '@temporalio/worker';
import { createAlertActivities, createDestinationActivities, createRetentionActivities, createSourceActivities, createStoreActivities, type DestinationActivityDeps } from '../activities';
import type { Config } from '../config/env';
import { temporalConnectionOptions } from '../config/temporal';
import { createSearchAttributeGuard } from '../temporal/search-attributes';
import { createOutboundPolicy, hostOf } from '../outbound/policy';
import { createProfileSource, profileSourceHosts } from '../profiles-source';
import { createAlertStore } from '../store/alerts';
import { createConnectionStore } from '../store/connections';
import type { Db } from '../store/db';
import type { SecretBox } from '../store/secret-box';
import { createWorkers, runWorkers, type WorkerSlots } from './create-workers';
import { ensureRetentionSchedule } from './retention-schedule';

export interface StartWorkerOptions {
  config: Config;
  db: Db;
  /** Opens the sealed secrets: connections' API keys, alert signing secrets. */
  box: SecretBox;
  /** Overrides `config.temporal.address` (an embedded dev server, a test's). */
  temporalAddress?: string;
  /** Overrides `config.autopilot.baseUrl` for connections without their own URL (the simulator). */
  autopilotBaseUrl?: string;
  /** A prebuilt workflow bundle; otherwise `config.temporal.workflowBundle`, or bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Slot budgets of the queues; production keeps the defaults. */
  slots?: WorkerSlots;
  /** One alert attempt's deadline with the receiver (10 s by default). */
  alertDeliveryDeadlineMs?: number;
  /** The platform behind each connection type; the engine's own by default (tests bring an in-memory one). */
  destinationKinds?: DestinationActivityDeps['kinds'];
}

export interface RunningWorker {
  /** Settles when the workers stop. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The worker's one composition root, used by `npm start`, `npm run worker` and the tests: every
 * task queue's worker with its own activity group, and the retention schedule.
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const { config, db, box } = options;
  const connections = createConnectionStore(db, box);
  const autopilotBaseUrl = options.autopilotBaseUrl ?? config.autopilot.baseUrl;
  const outbound = createOutboundPolicy([...config.outbound.allowedHosts, hostOf(autopilotBaseUrl)]);
  // One per worker: every page it reads shares the token and any Retry-After Dataverse gave. Its
  // configured hosts (organization URI, token endpoint) are allowed to it alone, not to destinations.
  const sourceOutbound = createOutboundPolicy([...config.outbound.allowedHosts, ...profileSourceHosts(config.profileSource)]);
  const source = createProfileSource(config.profileSource, { db, outbound: sourceOutbound });
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal, options.temporalAddress)).catch(async (err: unknown) => {
    await source.close();
    throw err;
  });
  try {
    // Scheduled runs are started with the runs' search attributes: registered here where the server lets it.
    await createSearchAttributeGuard({ connection, namespace: config.temporal.namespace, logger: Runtime.instance().logger }).state();
    const bundlePath = config.temporal.workflowBundle;
    const workers = await createWorkers({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      destinationRateLimit: config.destinations.queueRateLimit,
      storeActivities: {
        ...createStoreActivities({ db, connections, profileSource: config.profileSource.kind, kinds: options.destinationKinds }),
        ...createSourceActivities({ db, source }),
        ...createRetentionActivities({ db, retentionDays: config.retention.runDetailsDays }),
      },
      alertActivities: createAlertActivities({
        db,
        alerts: createAlertStore(db, box),
        publicUrl: config.api.publicUrl,
        outbound,
        deliveryDeadlineMs: options.alertDeliveryDeadlineMs,
      }),
      slots: options.slots,
      destinationActivities: createDestinationActivities({
        db,
        connections,
        baseUrls: { autopilot: autopilotBaseUrl },
        timeoutMs: config.destinations.timeoutMs,
        outbound,
        kinds: options.destinationKinds,
      }),
      workflowBundle: options.workflowBundle ?? (bundlePath ? { codePath: bundlePath } : undefined),
    });
    await ensureRetentionSchedule(new Client({ connection, namespace: config.temporal.namespace }), config.temporal.taskQueue);
    const done = runWorkers(workers).finally(async () => {
      await source.close();
      await connection.close();
    });
    return {
      done,
      async stop() {
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await done;
      },
    };
  } catch (err) {
    await source.close();
    await connection.close();
    throw err;
  }
}
