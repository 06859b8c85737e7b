import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { AUTOPILOT_REQUESTS_PER_SECOND, AutopilotClient } from '../autopilot';
import type { AutopilotSimOptionsInput } from '../autopilot-sim/options';
import { KeyRuntime } from '../autopilot-sim/stats';
import { openDb, type Db } from '../store/db';
import { toSettings } from '../store/exports';
import { importProfiles } from '../store/profiles';
import { startDevServer } from '../scripts/temporal-server';
import { progressQuery } from '../workflows';
import { runPhases } from './phases';
import { orttoRun, ORTTO_RATE } from './ortto';
import { importSideBySide, sideBySide, type SideBySideFigures } from './side-by-side';
import { sideBySideOnCluster } from './side-by-side-cluster';
import { syncRefreshes, type SyncRunFigures } from './sync';
import { importWatched, watchedRun, type WatchedFigures } from './watched';
import { until } from '../test/helpers/assertions';
import { allExecutions } from '../test/helpers/history';
import { startPostgres } from '../test/helpers/postgres';
import { startTestStack, TEST_API_KEY, type TestStack } from '../test/helpers/stack';
import { startWorkerProcess, type WorkerProcess } from '../test/helpers/worker-process';

/**
 * `npm run bench [-- --profiles N] [--scale-profiles N] [--scenario 1|1e|2|3|4[,…]]`: the engine as
 * deployed (Temporal dev server, a worker process, PostgreSQL, the simulator over HTTP), at
 * Autopilot's limit, against a plain loop, at scale and through a crash; and, as scenario 1e, at
 * Autopilot's limit on the embedded default, as `npm start` runs it; and, as scenario w, a run of
 * four overlapping segments on the embedded default, started and watched through the API (see
 * bench/watched.ts), and as scenario wp the same on PostgreSQL (the workers and the API in the
 * bench's process); and, as scenario k, exports on `--keys` different keys (20) of `--per-key`
 * profiles (5,000) started at once on the embedded default (bench/side-by-side.ts), and as
 * scenario kc the same on the `npm run cluster` topology with `--workers` worker processes (1,2,4:
 * one cluster each, bench/side-by-side-cluster.ts); and, as
 * scenario o, to Ortto at its 10 requests/s on the embedded default (bench/ortto.ts). Prints a table
 * and writes it as JSON under bench/results/.
 */
const profiles = Number(argument('--profiles') ?? 100_000);
const scaleProfiles = Number(argument('--scale-profiles') ?? 1_000_000);
const only = argument('--scenario')?.split(',');
const keys = Number(argument('--keys') ?? 20);
const perKey = Number(argument('--per-key') ?? 5_000);
const clusterWorkers = (argument('--workers') ?? '1,2,4').split(',').map(Number);
const DEPLOYED = 'PostgreSQL, worker process';
const EMBEDDED = "PGlite in the worker's process";
const CONCURRENCY = 4;

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

interface Row {
  scenario: string;
  topology: string;
  profiles: number;
  wallSeconds: number;
  /** At Autopilot's limit: wall time over the floor, one 100-contact request per turn at the key's rate. */
  floorRatio?: number;
  profilesPerSecond: number;
  workerPeakRssMb?: number;
  largestExecutionEvents?: number;
  requests: number;
  rateLimited: number;
  /** Most requests the simulator received in any sliding second (at the limit: at most 5). */
  maxPerSecond: number;
  /** Shortest time in which the simulator received six requests in a row (at the limit: over 1,000 ms, or the sixth was a 429). */
  shortestSixMs?: number;
  /** Where the engine's wall time went: setup (of it: plan) / send / finish, in seconds; how busy its batch slots were while sending. */
  phases?: string;
  note: string;
  /** Scenario w: what the watched run measured. */
  watched?: WatchedFigures;
  /** Scenario k: keys side by side. */
  sideBySide?: SideBySideFigures;
}

/** When the simulator (in this process) received each request, by its own clock: the pacing as Autopilot would see it. */
const received: number[] = [];
const recordReceived = KeyRuntime.prototype.recordReceived;
KeyRuntime.prototype.recordReceived = function (this: KeyRuntime, now: number) {
  received.push(now);
  recordReceived.call(this, now);
};

async function importSegment(db: Db, segment: string, count: number): Promise<void> {
  async function* lines() {
    for (let i = 1; i <= count; i++) {
      const id = `${segment}-${String(i).padStart(7, '0')}`;
      yield JSON.stringify({ id, segments: [segment], EmailAddress: `${id}@example.com`, FirstName: `F${i}`, LastName: `L${i}` });
    }
  }
  const started = Date.now();
  await importProfiles(db, lines());
  // Fresh tables have no planner statistics until autovacuum gets to them: both sides read analyzed ones.
  await db.exec('ANALYZE profiles; ANALYZE segment_members');
  console.log(`imported ${count} profiles into ${segment} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Peak resident memory of a process, from the kernel's high-water mark. */
function peakRssMb(pid: number | 'self' | undefined): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(match?.[1] ?? 0) / 1024);
}

interface Bench {
  db: Db;
  postgresUrl: string;
}

interface Workers {
  topology: string;
  peakRssMb: () => number;
  /** Scenario 4: SIGKILLs the worker process and starts a replacement. */
  crashAndRestart: () => Promise<void>;
}

/** A stack with its own queues and simulator, served by a fresh worker process. */
async function withStack<T>(bench: Bench, options: { rateLimit: number; sim: AutopilotSimOptionsInput }, fn: (stack: TestStack, workers: Workers) => Promise<T>): Promise<T> {
  const stack = await startTestStack({ db: bench.db, inProcessWorkers: false, ...options });
  const env = await stack.workerEnv(bench.postgresUrl);
  let worker: WorkerProcess = startWorkerProcess(env);
  const crashAndRestart = async () => {
    await worker.kill('SIGKILL');
    worker = startWorkerProcess(env);
    await worker.ready;
  };
  try {
    await worker.ready;
    return await fn(stack, { topology: DEPLOYED, peakRssMb: () => peakRssMb(worker.child.pid), crashAndRestart });
  } finally {
    await worker.kill();
    await stack.close();
  }
}

/**
 * The embedded default as `npm start` runs it: a file-backed PGlite, the workers and the simulator
 * all in one process (this one), the store loaded with the same profiles.
 */
async function withEmbeddedStack<T>(options: { rateLimit: number; sim: AutopilotSimOptionsInput }, fn: (stack: TestStack, workers: Workers, db: Db) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-pglite-'));
  const db = await openDb({ dataDir });
  try {
    await importSegment(db, 'Bench', profiles);
    const stack = await startTestStack({ db, ...options });
    // The peak from here on, not the import's: the kernel restarts the process's high-water mark.
    writeFileSync('/proc/self/clear_refs', '5');
    const crashAndRestart = () => Promise.reject(new Error('the embedded worker is this process'));
    try {
      return await fn(stack, { topology: EMBEDDED, peakRssMb: () => peakRssMb('self'), crashAndRestart }, db);
    } finally {
      await stack.close();
    }
  } finally {
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface EngineRunOptions {
  segment: string;
  count: number;
  requestsPerSecond: number;
  /** Scenario 4: SIGKILL the worker halfway and start another. */
  crash?: boolean;
}

async function engineRun(stack: TestStack, name: string, workers: Workers, options: EngineRunOptions): Promise<Row & { duplicates: number }> {
  const connection = await stack.createConnection(TEST_API_KEY, options.requestsPerSecond);
  const e = await stack.createExport({ connectionId: connection.id, segmentIds: [options.segment], profileLimit: Math.max(options.count, 100_000), onLimitExceeded: 'send_first' });
  received.length = 0;
  // This process's event loop receives and timestamps the simulator's requests: a stall in it shows
  // as requests received closer together than they were sent.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const started = Date.now();
  const handle = await stack.startRun(toSettings({ ...e, connectionId: connection.id }), { concurrency: CONCURRENCY });
  let peak = 0;
  if (options.crash) {
    const half = Math.ceil(options.count / 200);
    await until('half the batches', async () => ((await handle.query(progressQuery)).batchesDone >= half ? true : undefined), 3_600_000);
    peak = workers.peakRssMb();
    await workers.crashAndRestart();
  }
  const { counts } = await handle.result();
  const wall = (Date.now() - started) / 1000;
  peak = Math.max(peak, workers.peakRssMb());
  let largest = 0;
  for (const ex of await allExecutions(stack.client, handle.workflowId)) {
    largest = Math.max(largest, (await stack.client.workflow.getHandle(handle.workflowId, ex.runId).describe()).historyLength);
  }
  const spans = received.slice(5).map((t, i) => ({ ms: t - received[i], at: (received[i] - started) / 1000 })).sort((a, b) => a.ms - b.ms);
  loopDelay.disable();
  const shortest = spans.slice(0, 10).map((s) => `${s.ms} (at ${s.at.toFixed(1)} s)`).join(', ');
  console.log(`${name}: shortest spans of six requests, ms: ${shortest}; this process's event loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`);
  const p = await runPhases(stack.client, handle.workflowId);
  const stats = stack.sim.sim.stats(TEST_API_KEY);
  const atAutopilotsLimit = options.requestsPerSecond === AUTOPILOT_REQUESTS_PER_SECOND;
  if (counts.exported !== options.count) throw new Error(`${name}: exported ${counts.exported} of ${options.count}`);
  return {
    scenario: name,
    topology: workers.topology,
    profiles: options.count,
    wallSeconds: wall,
    floorRatio: atAutopilotsLimit ? Number((wall / (options.count / (100 * options.requestsPerSecond))).toFixed(3)) : undefined,
    profilesPerSecond: Math.round(options.count / wall),
    workerPeakRssMb: peak,
    largestExecutionEvents: largest,
    requests: stats.requests,
    rateLimited: stats.rateLimited,
    maxPerSecond: stats.maxReceivedPerSecond,
    shortestSixMs: atAutopilotsLimit ? spans[0]?.ms : undefined,
    phases:
      [`${p.setupSeconds.toFixed(1)} (${p.planSeconds.toFixed(1)})`, p.sendSeconds.toFixed(1), p.finishSeconds.toFixed(1)].join(' / ') +
      `; slots ${Math.round((100 * p.batchActivitySeconds) / (CONCURRENCY * p.sendSeconds))} % busy`,
    note: '',
    duplicates: stats.upsertedContacts - counts.exported,
  };
}

/** The same work without Temporal: read 100 at a time from the same store, post with the same concurrency. */
async function plainLoop(stack: TestStack, segment: string, count: number): Promise<Row> {
  const client = new AutopilotClient({ baseUrl: stack.sim.url, apiKey: TEST_API_KEY });
  const started = Date.now();
  const { [segment]: listId } = await client.ensureLists([segment]);
  let next = 0;
  const batches = Math.ceil(count / 100);
  const id = (i: number) => `${segment}-${String(i).padStart(7, '0')}`;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let b = next++; b < batches; b = next++) {
        const rows = await stack.db.query<{ attributes: Record<string, string> }>(
          `SELECT p.attributes FROM segment_members m JOIN profiles p ON p.id = m.profile_id
           WHERE m.segment_id = $1 AND p.id BETWEEN $2 AND $3 ORDER BY p.id`,
          [segment, id(b * 100 + 1), id(b * 100 + 100)],
        );
        const contacts = rows.map(({ attributes: a }) => ({ Email: a.EmailAddress, FirstName: a.FirstName, LastName: a.LastName, _autopilot_list: listId }));
        await client.upsertContacts(contacts);
      }
    }),
  );
  const wall = (Date.now() - started) / 1000;
  const stats = stack.sim.sim.stats(TEST_API_KEY);
  client.close();
  return { scenario: '2b plain loop', topology: 'PostgreSQL, no Temporal', profiles: count, wallSeconds: wall, profilesPerSecond: Math.round(count / wall), requests: stats.requests, rateLimited: stats.rateLimited, maxPerSecond: stats.maxReceivedPerSecond, note: 'no Temporal: same store, batch size, concurrency' };
}

/** Most requests received in any sliding second since `startedMs`, by the simulator's clock. */
function maxPerSecondSince(startedMs: number): number {
  const times = received.filter((t) => t >= startedMs);
  let most = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j] - times[i] >= 1000) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

/** Scenario 5's runs as rows; a refresh's target is 1.2 × its own floor + 3 s, the unchanged one's 3 s. */
function syncRows(figures: SyncRunFigures[], workers: Workers, profiles: number): Row[] {
  return figures.map((f) => {
    const target = f.floorSeconds === 0 ? 3 : 1.2 * f.floorSeconds + 3;
    const unchanged = f.counts.skipped.unchanged ?? 0;
    return {
      scenario: f.run,
      topology: workers.topology,
      profiles,
      wallSeconds: f.wallSeconds,
      floorRatio: f.floorSeconds > 0 && !f.run.includes('first') ? Number((f.wallSeconds / f.floorSeconds).toFixed(3)) : undefined,
      profilesPerSecond: Math.round(profiles / f.wallSeconds),
      workerPeakRssMb: workers.peakRssMb(),
      requests: f.upsertRequests + f.removalRequests,
      rateLimited: 0,
      maxPerSecond: f.maxPerSecond,
      note:
        `${f.upsertRequests} upserts, ${f.removalRequests} removals; exported ${f.counts.exported}, unchanged ${unchanged}` +
        (f.run.includes('first') ? ` (at ${100} requests/s: it only seeds the sync state)` : `; target ≤ ${target.toFixed(1)} s: ${f.wallSeconds <= target ? 'met' : 'MISSED'}`),
    };
  });
}

/** Scenario 5 has the simulator unlimited (the first run seeds at 100 requests/s); the refreshes pace themselves at 5. */
const SYNC = { rateLimit: 1000, sim: { rateLimit: 0, faults: { latencyMs: [100, 300] as [number, number] } } };

const AT_THE_LIMIT = { rateLimit: 5, sim: { rateLimit: 5, faults: { latencyMs: [100, 300] as [number, number] } } };
const LIMIT_OFF = { rateLimit: 1000, sim: { rateLimit: 0, faults: { latencyMs: [5, 20] as [number, number] } } };

/**
 * Scenario w on the embedded default: its own file-backed PGlite, the workers, the API and the
 * simulator in this process. Scenario wp: the same on the bench's PostgreSQL (`postgres`).
 */
async function watchedScenario(postgres?: Db): Promise<Row> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-pglite-'));
  const edb = postgres ?? (await openDb({ dataDir }));
  try {
    const started = Date.now();
    const memberships = await importWatched(edb, profiles);
    console.log(`imported ${profiles} profiles, ${memberships} memberships of four segments, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    writeFileSync('/proc/self/clear_refs', '5');
    const f = await watchedRun({ db: edb, profiles, received, requestsPerSecond: AUTOPILOT_REQUESTS_PER_SECOND, pollMs: 2_000 });
    console.log(`${postgres ? 'wp' : 'w'} watched run:`, JSON.stringify(f, null, 2));
    return {
      scenario: `${postgres ? 'wp' : 'w'} four overlapping segments, watched (GET /runs/:id every 2 s)`,
      topology: postgres ? 'PostgreSQL, workers and API in the bench process' : `${EMBEDDED}, API in the same process`,
      profiles,
      wallSeconds: f.wallSeconds,
      floorRatio: f.floorRatio,
      profilesPerSecond: Math.round(profiles / f.wallSeconds),
      workerPeakRssMb: peakRssMb('self'),
      requests: f.batches,
      rateLimited: f.rateLimited,
      maxPerSecond: f.maxPerSecond,
      phases: `setup ${f.setupSeconds} (plan ${f.planSeconds})`,
      note: `${memberships} memberships, ${f.batches} batches; sending ${f.sendingRequestsPerSecond} req/s, ${f.gapsOver400ms} gaps > 400 ms; GET /runs/:id ${f.reads}`,
      watched: f,
    };
  } finally {
    if (!postgres) await edb.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function sideBySideRow(f: SideBySideFigures, scenario: string, topology: string): Row {
  return {
    scenario,
    topology,
    profiles: keys * perKey,
    wallSeconds: f.wallSeconds,
    floorRatio: Number((f.wallSeconds / f.floorSeconds).toFixed(3)),
    profilesPerSecond: Math.round((keys * perKey) / f.wallSeconds),
    requests: f.requests,
    rateLimited: f.rateLimited,
    maxPerSecond: f.peakPerKey,
    note: `sending ${f.aggregateRequestsPerSecond} req/s of ${f.sumOfRates} (${(f.aggregateRequestsPerSecond / f.sumOfRates).toFixed(2)} ×); each key's peak ${f.peakPerKey}/s; the simulator in a process of its own`,
    sideBySide: f,
  };
}

/** Scenario k on the embedded default: its own file-backed PGlite and the workers in this process, the simulator in its own. */
async function sideBySideScenario(temporalPid?: number): Promise<Row> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-pglite-'));
  const edb = await openDb({ dataDir });
  try {
    await importSideBySide(edb, keys, perKey);
    writeFileSync('/proc/self/clear_refs', '5');
    const f = await sideBySide({ db: edb, keys, perKey, temporalPid });
    console.log('k keys side by side:', JSON.stringify(f, null, 2));
    return { ...sideBySideRow(f, `k ${keys} keys side by side`, EMBEDDED), workerPeakRssMb: peakRssMb('self') };
  } finally {
    await edb.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Scenario kc: keys side by side on the cluster topology, with `workers` worker processes. */
async function sideBySideClusterScenario(workers: number): Promise<Row> {
  const f = await sideBySideOnCluster({ workers, keys, perKey });
  console.log(`kc keys side by side, ${workers} worker process(es):`, JSON.stringify(f, null, 2));
  return sideBySideRow(f, `kc ${keys} keys side by side`, `cluster: PostgreSQL, ${workers} worker process${workers === 1 ? '' : 'es'}`);
}

async function main(): Promise<void> {
  const server = await startDevServer();
  process.env.TEMPORAL_ADDRESS = server.address;
  const postgres = await startPostgres();
  const db = await openDb({ url: postgres.url });
  const bench = { db, postgresUrl: postgres.url };
  const rows: Row[] = [];
  const floor = profiles / 500;
  const run = (n: string) => !only || only.includes(n);
  const atTheFloor = (row: Row) => `floor ${floor} s: ${(row.wallSeconds / floor).toFixed(2)} × floor`;
  try {
    if (!only || only.some((n) => !['w', 'wp', 'k', 'kc', 'o', '1e', '5e'].includes(n))) await importSegment(db, 'Bench', profiles);
    let s1: (Row & { duplicates: number }) | undefined;
    if (run('1') || run('4')) {
      s1 = await withStack(bench, AT_THE_LIMIT, (stack, workers) => engineRun(stack, '1 at the limit', workers, { segment: 'Bench', count: profiles, requestsPerSecond: 5 }));
      s1.note = atTheFloor(s1);
      if (run('1')) rows.push(s1);
    }
    if (run('1e')) {
      const s1e = await withEmbeddedStack(AT_THE_LIMIT, (stack, workers) => engineRun(stack, '1e at the limit, embedded', workers, { segment: 'Bench', count: profiles, requestsPerSecond: 5 }));
      s1e.note = `${atTheFloor(s1e)}; worker RSS is the whole process (store, simulator)`;
      rows.push(s1e);
    }
    if (run('2')) {
      await withStack(bench, LIMIT_OFF, async (stack, workers) => {
        // The plain loop runs before and after the engine (the store is busier after a run); the faster counts.
        const before = await plainLoop(stack, 'Bench', profiles);
        stack.sim.sim.reset();
        const engine = await engineRun(stack, '2a engine, limit off', workers, { segment: 'Bench', count: profiles, requestsPerSecond: 1000 });
        stack.sim.sim.reset();
        const after = await plainLoop(stack, 'Bench', profiles);
        const plain = before.wallSeconds <= after.wallSeconds ? before : after;
        plain.note += ` (faster of ${before.wallSeconds.toFixed(1)} s before and ${after.wallSeconds.toFixed(1)} s after the engine)`;
        engine.note = `engine / plain loop = ${(engine.wallSeconds / plain.wallSeconds).toFixed(2)}`;
        rows.push(engine, plain);
      });
    }
    if (run('4') && s1) {
      const before = s1;
      await withStack(bench, AT_THE_LIMIT, async (stack, workers) => {
        const s4 = await engineRun(stack, '4 crash at half', workers, { segment: 'Bench', count: profiles, requestsPerSecond: 5, crash: true });
        s4.note = `+${(s4.wallSeconds - before.wallSeconds).toFixed(1)} s over scenario 1; ${s4.duplicates} contacts sent twice (bound ${CONCURRENCY * 100})`;
        rows.push(s4);
      });
    }
    if (run('5')) {
      await importSegment(db, 'Sync', profiles);
      rows.push(...(await withStack(bench, SYNC, async (stack, workers) => syncRows(await syncRefreshes(stack, db, 'Sync', profiles, maxPerSecondSince), workers, profiles))));
    }
    if (run('5e')) {
      rows.push(...(await withEmbeddedStack(SYNC, async (stack, workers, edb) => syncRows(await syncRefreshes(stack, edb, 'Bench', profiles, maxPerSecondSince), workers, profiles))));
    }
    if (run('w')) rows.push(await watchedScenario());
    if (run('wp')) rows.push(await watchedScenario(db));
    if (run('k')) rows.push(await sideBySideScenario(server.process.pid));
    if (run('kc')) for (const n of clusterWorkers) rows.push(await sideBySideClusterScenario(n));
    if (run('o')) {
      rows.push(
        await withEmbeddedStack(LIMIT_OFF, async (stack, workers) => {
          const f = await orttoRun(stack, 'Bench', profiles);
          return {
            scenario: `o Ortto at ${ORTTO_RATE}/s, embedded`,
            topology: workers.topology,
            profiles,
            wallSeconds: f.wallSeconds,
            floorRatio: Number((f.wallSeconds / f.floorSeconds).toFixed(3)),
            profilesPerSecond: Math.round(profiles / f.wallSeconds),
            workerPeakRssMb: workers.peakRssMb(),
            requests: f.merges,
            rateLimited: f.rateLimited,
            maxPerSecond: f.peakPerSecond,
            note: `floor ${f.floorSeconds} s; ${f.people} people at the simulator`,
          };
        }),
      );
    }
    if (run('3')) {
      await importSegment(db, 'Scale', scaleProfiles);
      await withStack(bench, LIMIT_OFF, async (stack, workers) => {
        const s3 = await engineRun(stack, '3 scale, limit off', workers, { segment: 'Scale', count: scaleProfiles, requestsPerSecond: 1000 });
        s3.note = 'profile limit raised for the benchmark only';
        rows.push(s3);
      });
    }
  } finally {
    await db.close();
    await postgres.stop();
    await server.stop();
  }
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`\nMachine: ${machine}`);
  console.table(rows.map(({ duplicates: _d, watched: _w, sideBySide: _k, ...row }: Row & { duplicates?: number }) => row));
  const file = path.join(__dirname, 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ machine, profiles, scaleProfiles, rows }, null, 2));
  console.log(`written ${path.relative(process.cwd(), file)}`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
