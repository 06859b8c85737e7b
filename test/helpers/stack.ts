import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { AUTOPILOT_REQUESTS_PER_SECOND } from '../../autopilot';
import { loadConfig } from '../../config/env';
import { startAutopilotSim } from '../../autopilot-sim/server';
import type { AutopilotSimOptionsInput } from '../../autopilot-sim/options';
import type { ExportSettings } from '../../domain/export';
import { exportWorkflowId } from '../../domain/ids';
import { createConnectionStore } from '../../store/connections';
import { openDb, type Db } from '../../store/db';
import { createExportStore, type NewExport } from '../../store/exports';
import { createSecretBox, generateSecretsKey } from '../../store/secret-box';
import { openRun } from '../../store/runs';
import { runExport, type RunOptions, type RunResult } from '../../workflows';
import { RuntimeLogger } from '../../worker/runtime-logger';
import { startWorker, type RunningWorker, type StartWorkerOptions } from '../../worker/start-worker';

export const TEST_API_KEY = '0123456789abcdef0123456789abcdef';

let bundle: Promise<{ code: string }> | undefined;
/** Bundling takes seconds: once per test file (and shared with workers a test starts itself). */
export function workflowBundle() {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') });
  return bundle;
}

let bundleFile: Promise<string> | undefined;
/** The same bundle as a file, for worker processes. */
function workflowBundleFile() {
  bundleFile ??= workflowBundle().then(({ code }) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'segment-export-bundle-')), 'workflows.js');
    writeFileSync(file, code);
    return file;
  });
  return bundleFile;
}

let runtimeInstalled = false;

export interface TestStackOptions {
  sim?: AutopilotSimOptionsInput;
  rateLimit?: number;
  db?: Db;
  /** A Temporal server of the test's own; otherwise the one global setup started. */
  temporalAddress?: string;
  /** False when workers run in processes of their own (see {@link workerEnv}); the store must then be PostgreSQL. */
  inProcessWorkers?: boolean;
  /** RUN_DETAILS_RETENTION_DAYS of the stack's workers (default 30). */
  retentionDays?: number;
  /** Slot budgets and the alert delivery deadline of the stack's in-process workers. */
  worker?: Pick<StartWorkerOptions, 'slots' | 'alertDeliveryDeadlineMs' | 'destinationKinds'>;
}

/**
 * The real thing on loopback: a Temporal dev server (from global setup), workers on fresh task
 * queues, an in-memory store and the Autopilot simulator over HTTP.
 */
export async function startTestStack(options: TestStackOptions = {}) {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new RuntimeLogger('WARN') });
    runtimeInstalled = true;
  }
  const address = options.temporalAddress ?? process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run integration tests through jest (global setup starts a server)');
  const db = options.db ?? (await openDb());
  const sim = await startAutopilotSim({ keys: [TEST_API_KEY], rateLimit: 0, ...options.sim });
  const secretsKey = generateSecretsKey();
  const box = createSecretBox(Buffer.from(secretsKey, 'base64'));
  const connections = createConnectionStore(db, box);
  const exportStore = createExportStore(db);
  const suffix = randomUUID();
  const taskQueue = `test-${suffix}`;
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  // The same composition root as `npm start` and `npm run worker`, on this stack's own queues.
  const config = loadConfig({
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ...(options.rateLimit !== undefined && { DESTINATION_QUEUE_RATE_LIMIT: String(options.rateLimit) }),
    DESTINATION_TIMEOUT_MS: '2000',
    RUN_DETAILS_RETENTION_DAYS: String(options.retentionDays ?? 30),
  });
  let workers: RunningWorker[] = [];

  /** Each set of workers has its own connection, as a second process would have. */
  async function startWorkers() {
    workers.push(await startWorker({ config, db, box, autopilotBaseUrl: sim.url, workflowBundle: await workflowBundle(), ...options.worker }));
  }

  async function stopWorkers() {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
  }

  if (options.inProcessWorkers !== false) await startWorkers();

  return {
    db,
    sim,
    client,
    box,
    connections,
    exports: exportStore,
    taskQueue,
    /** Starts (another) set of workers on this stack's queues. */
    startWorkers,
    stopWorkers,

    /** The environment of a worker process serving this stack, given the PostgreSQL it shares. */
    async workerEnv(databaseUrl: string): Promise<Record<string, string>> {
      return {
        TEMPORAL_WORKFLOW_BUNDLE: await workflowBundleFile(),
        TEMPORAL_ADDRESS: address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATABASE_URL: databaseUrl,
        SECRETS_KEY: secretsKey,
        AUTOPILOT_BASE_URL: sim.url,
        ...(options.rateLimit !== undefined && { DESTINATION_QUEUE_RATE_LIMIT: String(options.rateLimit) }),
        DESTINATION_TIMEOUT_MS: '2000',
      };
    },

    async createConnection(apiKey = TEST_API_KEY, requestsPerSecond = AUTOPILOT_REQUESTS_PER_SECOND) {
      return connections.create({ displayName: 'Test Autopilot', apiKey, usableBy: 'admins', requestsPerSecond, createdBy: 'tester' });
    },

    async createExport(fields: Partial<NewExport> & { connectionId: string; segmentIds: string[] }) {
      return exportStore.create({
        displayName: 'Test export',
        mapping: { email: 'EmailAddress', firstName: 'FirstName', lastName: 'LastName' },
        schedule: null,
        profileLimit: 100_000,
        onLimitExceeded: 'fail',
        createdBy: 'tester',
        ...fields,
      });
    },

    /**
     * Starts a run of the export (settings as saved, with what the run asks for) on this stack's
     * queues, or `on.taskQueue`, as a starter does: its id minted and its record opened first.
     */
    async startRun(settings: ExportSettings, runOptions: RunOptions = {}, on: { taskQueue?: string } = {}): Promise<TestRunHandle> {
      const runId = randomUUID();
      const workflowId = `${exportWorkflowId(settings.exportId)}-${randomUUID()}`;
      const trigger = { kind: 'manual', by: 'tester' } as const;
      await openRun(db, { runId, exportId: settings.exportId, workflowId, trigger, dryRun: settings.dryRun, redriveOf: settings.redriveOf });
      const handle = await client.workflow.start(runExport, {
        taskQueue: on.taskQueue ?? taskQueue,
        workflowId,
        args: [{ runId, export: settings, request: {}, source: settings.source ?? 'builtin', trigger, options: runOptions }],
      });
      return Object.assign(handle, { runId });
    },

    async run(settings: ExportSettings, runOptions: RunOptions = {}): Promise<RunResult> {
      return (await this.startRun(settings, runOptions)).result();
    },

    async close() {
      await stopWorkers();
      await clientConnection.close();
      await sim.close();
      if (!options.db) await db.close();
    },
  };
}

export type TestStack = Awaited<ReturnType<typeof startTestStack>>;

/** A run's workflow, with the id its starter minted. */
export type TestRunHandle = WorkflowHandle<typeof runExport> & { runId: string };
