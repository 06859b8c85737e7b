import { randomUUID } from 'node:crypto';
import { createApp } from '../../../api/app';
import type { AuthFailureLimiter } from '../../../api/auth-failures';
import type { ProxyRange } from '../../../config/trusted-proxies';
import { createKeyChecker } from '../../../api/check-key';
import { createOutboundPolicy } from '../../../outbound/policy';
import type { Logger } from '../../../api/logger';
import type { ProfileSource } from '../../../profiles-source';
import { RunAlreadyGoingError, RunNotSteerableError, type RunLauncher, type Scheduler } from '../../../api/ports';
import { startAutopilotSim, type RunningAutopilotSim } from '../../../autopilot-sim/server';
import type { ExportSettings, RunTrigger } from '../../../domain/export';
import { exportWorkflowId } from '../../../domain/ids';
import { openDb, type Db } from '../../../store/db';
import type { Schedule } from '../../../store/exports';
import { importProfiles } from '../../../store/profiles';
import { createSecretBox, generateSecretsKey } from '../../../store/secret-box';
import { createTokenStore } from '../../../store/tokens';
import { attachWorkflowRun } from '../../../store/runs';
import type { RunProgress } from '../../../workflows';
import { runSettings } from '../../../domain/run-input';

/** Opening PGlite and migrating takes seconds; give beforeAll room. */
export const HARNESS_TIMEOUT = 60_000;

/** A key the simulator accepts: 32 hex characters, like a real one. */
export const GOOD_KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
export const OTHER_GOOD_KEY = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
export const BOOTSTRAP_TOKEN = 'bootstrap-admin-token-for-unit-tests-0123';
/** The simulator and the unreachable address below are on loopback, allowed here explicitly. */
export const TEST_OUTBOUND = createOutboundPolicy(['127.0.0.1']);
/** Nothing listens there: connecting fails at once. */
export const UNREACHABLE_URL = 'http://127.0.0.1:9/v1';

/** Records schedule changes as the state Temporal would hold. */
export function createFakeScheduler() {
  const schedules = new Map<string, Schedule>();
  const scheduler: Scheduler = {
    upsert: async (exportId, schedule) => void schedules.set(exportId, schedule),
    remove: async (exportId) => void schedules.delete(exportId),
  };
  return { scheduler, schedules };
}

/**
 * One run at a time per export, as Temporal enforces with the export's workflow id. With the
 * store, a started run records the execution it began in, as its workflow's first step would.
 */
export function createFakeRuns(db?: Db) {
  const going = new Map<string, { runId: string; workflowRunId: string; settings: ExportSettings; trigger: RunTrigger }>();
  const state = {
    progress: undefined as RunProgress | undefined,
    going,
    /** Approvals of removals the API asked for (the run's id, as the execution it began in names it), and the workflow's refusal, when set. */
    approvals: [] as { workflowId: string; runId: string | undefined; by: string }[],
    refuseApproval: undefined as string | undefined,
  };
  /** The run going under the workflow id, when it is the one that began in `workflowRunId` (any, without one). */
  const addressed = (workflowId: string, workflowRunId: string | undefined) => {
    const current = going.get(workflowId);
    return current && (!workflowRunId || current.workflowRunId === workflowRunId) ? current : undefined;
  };
  const runs: RunLauncher = {
    async start(run, trigger) {
      // What the run would go by (the workers' source aside).
      const settings = runSettings({ ...run, source: 'builtin' });
      const workflowId = exportWorkflowId(settings.exportId);
      const current = going.get(workflowId);
      if (current) throw new RunAlreadyGoingError(current.runId);
      const workflowRunId = randomUUID();
      going.set(workflowId, { runId: run.runId, workflowRunId, settings, trigger });
      if (db) await attachWorkflowRun(db, run.runId, workflowRunId);
      return { runId: run.runId, workflowId, workflowRunId };
    },
    progress: async (workflowId) => (going.has(workflowId) ? state.progress : undefined),
    // Runs in these tests close through the store, as their workflows would.
    ending: async () => undefined,
    raiseAlert: async () => undefined,
    pause: async (_workflowId, _runId, by) => ({ by, since: new Date().toISOString() }),
    resume: async () => undefined,
    async approveRemovals(workflowId, workflowRunId, by) {
      state.approvals.push({ workflowId, runId: addressed(workflowId, workflowRunId)?.runId, by });
      if (state.refuseApproval) throw new RunNotSteerableError(state.refuseApproval);
    },
    reachable: async () => true,
    async cancel(workflowId, workflowRunId) {
      if (!addressed(workflowId, workflowRunId)) return false;
      going.delete(workflowId);
      return true;
    },
  };
  return { runs, state };
}

export interface Harness {
  db: Db;
  sim: RunningAutopilotSim;
  app: ReturnType<typeof createApp>;
  /** Every log line the app wrote, serialised as it would reach a sink. */
  logs: string[];
  schedules: Map<string, Schedule>;
  runState: ReturnType<typeof createFakeRuns>['state'];
  tokens: { admin: string; contributor: string };
  call(as: keyof Harness['tokens'] | 'anonymous' | 'bootstrap', method: string, path: string, body?: unknown): Promise<Response>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The app in memory over a fresh store, the real key check against the simulator, fakes for Temporal.
 * Its requests come from no socket, so they all count as one client for `authFailures`. `runs`: a launcher
 * of the test's own over the store, in place of the fake (runState then says nothing).
 */
export async function createHarness(options: { authFailures?: AuthFailureLimiter; trustedProxies?: ProxyRange[]; profiles?: ProfileSource; runs?: (db: Db) => RunLauncher } = {}): Promise<Harness> {
  const db = await openDb();
  const sim = await startAutopilotSim({ keys: [GOOD_KEY, OTHER_GOOD_KEY], rateLimit: 0 });
  const logs: string[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void logs.push(JSON.stringify({ level, message, ...fields }));
  const logger: Logger = { info: log('info'), warn: log('warn'), error: log('error') };
  const fakeScheduler = createFakeScheduler();
  const fakeRuns = createFakeRuns(db);
  const app = createApp({
    db,
    box: createSecretBox(Buffer.from(generateSecretsKey(), 'base64')),
    checkKey: createKeyChecker({ defaultBaseUrls: { autopilot: sim.url }, timeoutMs: 2_000, outbound: TEST_OUTBOUND }),
    outbound: TEST_OUTBOUND,
    scheduler: fakeScheduler.scheduler,
    runs: options.runs?.(db) ?? fakeRuns.runs,
    bootstrapAdminToken: BOOTSTRAP_TOKEN,
    logger,
    authFailures: options.authFailures,
    trustedProxies: options.trustedProxies,
    profiles: options.profiles,
  });
  const tokens = { admin: '', contributor: '' };

  const harness: Harness = {
    db,
    sim,
    app,
    logs,
    schedules: fakeScheduler.schedules,
    runState: fakeRuns.state,
    tokens,
    async call(as, method, path, body) {
      const headers: Record<string, string> = {};
      const token = as === 'anonymous' ? undefined : as === 'bootstrap' ? BOOTSTRAP_TOKEN : tokens[as];
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const raw = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
      return app.request(path, { method, headers, body: raw });
    },
    async reset() {
      await db.exec('TRUNCATE api_tokens, run_items, run_batches, runs, exports, connections, segment_members, profiles CASCADE');
      logs.length = 0;
      fakeScheduler.schedules.clear();
      fakeRuns.state.going.clear();
      fakeRuns.state.progress = undefined;
      fakeRuns.state.approvals.length = 0;
      fakeRuns.state.refuseApproval = undefined;
      const store = createTokenStore(db);
      tokens.admin = (await store.create({ name: 'alice', role: 'admin', createdBy: 'test' })).token;
      tokens.contributor = (await store.create({ name: 'carl', role: 'contributor', createdBy: 'test' })).token;
    },
    async close() {
      await sim.close();
      await db.close();
    },
  };
  await harness.reset();
  return harness;
}

/** Profiles in segments VIP and Loyalty, with EmailAddress, FirstName, LastName and Company. */
export async function seedProfiles(db: Db, count = 5): Promise<void> {
  async function* lines() {
    for (let i = 1; i <= count; i++) {
      yield JSON.stringify({
        id: `p${String(i).padStart(3, '0')}`,
        segments: i % 2 ? ['VIP', 'Loyalty'] : ['Loyalty'],
        EmailAddress: `person${i}@example.com`,
        FirstName: `First${i}`,
        LastName: `Last${i}`,
        Company: 'Acme',
      });
    }
  }
  await importProfiles(db, lines());
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted on, not typed
export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
