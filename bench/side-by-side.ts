import os from 'node:os';
import path from 'node:path';
import { countsAddUp } from '../domain/export';
import { startSimProcess, type SimProcess } from '../scripts/cluster/processes';
import { cpuMeter } from './cpu';
import { threadMeter } from './threads';
import type { Db } from '../store/db';
import { toSettings } from '../store/exports';
import { importProfiles } from '../store/profiles';
import type { RunResult } from '../workflows';
import { startTestStack } from '../test/helpers/stack';

/**
 * Keys side by side (`npm run bench -- --scenario k`): as many exports as keys, each on a key of its
 * own at 5 requests/s with 100–300 ms latency, all started at once, as many teams sharing one
 * deployment do. Nothing but each key's own budget should limit its requests: the aggregate while
 * sending should come close to the sum of the keys' rates, and no key should go above its own. The
 * simulator is a process of its own, as Autopilot is: its clock is not the busy engine's.
 */

export interface SideBySideFigures {
  keys: number;
  profilesPerKey: number;
  wallSeconds: number;
  /** One key's floor: its batches at its rate. */
  floorSeconds: number;
  /** Requests per second the simulator received while sending (first to last upsert), all keys. */
  aggregateRequestsPerSecond: number;
  sumOfRates: number;
  /** Of each key, the most requests in any sliding second: never above its rate. */
  peakPerKey: number;
  rateLimited: number;
  /** Every request the simulator received, key checks and lists included. */
  requests: number;
  /** Seconds from the first upsert (of any key) to the last: the window `aggregateRequestsPerSecond` is over. */
  sendingSeconds: number;
  /** Per key, from its first request (the key check) to its first upsert: setup. Shortest, median, longest. */
  setupSeconds: [number, number, number];
  /** Seconds between the first key's first upsert and the last key's. */
  firstUpsertSpreadSeconds: number;
  /** Each key's upserts per second over its own sending window: slowest, median, fastest. */
  perKeyRequestsPerSecond: [number, number, number];
  /** Aggregate upserts per second while every key was sending (the last first upsert to the first last one). */
  allSendingRequestsPerSecond: number;
  /** Of any key, the shortest time in which the simulator received six of its requests in a row (above 1,000 ms: within its rate), and the shortest gap between two. */
  shortestSixMs: number;
  shortestGapMs: number;
  /** Those six: when each came, what it was, the simulator's time, how late its loop stamped it. */
  closestSix: string[];
  /** The simulator's longest event-loop delay while the runs ran (ms): requests it stamps after one look closer than they came. */
  simulatorLagMs: number;
  /** CPU seconds over the runs, by process (see bench/cpu.ts), and of the engine's threads (bench/threads.ts). */
  cpuSeconds: Record<string, number>;
}

const RATE = 5;
const key = (k: number) => `${String(k).padStart(2, '0')}ab`.repeat(8);
const segment = (k: number) => `Key${String(k).padStart(2, '0')}`;

/** `perKey` profiles in each key's segment. */
export async function importSideBySide(db: Db, keys: number, perKey: number): Promise<void> {
  async function* lines() {
    for (let k = 0; k < keys; k++) {
      for (let i = 1; i <= perKey; i++) {
        const id = `${segment(k)}-${String(i).padStart(6, '0')}`;
        yield JSON.stringify({ id, segments: [segment(k)], EmailAddress: `${id.toLowerCase()}@example.com`, FirstName: `F${i}` });
      }
    }
  }
  await importProfiles(db, lines());
  await db.exec('ANALYZE profiles; ANALYZE segment_members');
}

export const simOptions = (keys: number) => ({ keys: Array.from({ length: keys }, (_, k) => key(k)), rateLimit: RATE, faults: { latencyMs: [100, 300] as [number, number] } });

/** The connection and export of key `k`, as the bench creates them wherever the store is. */
export const connectionOf = (k: number, baseUrl: string) => ({ displayName: segment(k), apiKey: key(k), baseUrl, usableBy: 'admins' as const, requestsPerSecond: RATE, createdBy: 'bench' });
export const exportOf = (k: number, connectionId: string) => ({ connectionId, segmentIds: [segment(k)] });

/** Scenario k on the embedded default: the workers and the store (PGlite) in this process, the simulator in its own. */
export async function sideBySide(options: { db: Db; keys: number; perKey: number; temporalPid?: number }): Promise<SideBySideFigures> {
  const sim = await startSimProcess(simOptions(options.keys), path.join(os.tmpdir(), 'bench-side-by-side-sim.log'));
  const stack = await startTestStack({ db: options.db });
  try {
    const settings = await Promise.all(
      Array.from({ length: options.keys }, async (_, k) => {
        const connection = await stack.connections.create(connectionOf(k, sim.url));
        const e = await stack.createExport(exportOf(k, connection.id));
        return toSettings({ ...e, connectionId: connection.id });
      }),
    );
    return await measureSideBySide({
      sim,
      keys: options.keys,
      perKey: options.perKey,
      meter: () => {
        const cpu = cpuMeter({ temporal: options.temporalPid, simulator: sim.child.pid }, { withChildren: ['temporal'] });
        const threads = threadMeter();
        const engine = process.cpuUsage();
        return () => {
          const used = process.cpuUsage(engine);
          const figures = { engine: Number(((used.user + used.system) / 1e6).toFixed(1)), ...prefixed('engine ', threads.read()), ...cpu.read() };
          cpu.stop();
          return figures;
        };
      },
      runAll: async () => Promise.all((await Promise.all(settings.map((s) => stack.startRun(s)))).map((h) => h.result())),
    });
  } finally {
    await stack.close();
    await sim.stop();
  }
}

/**
 * Starts every key's run at once (`runAll`), checks each sent all its profiles, and reads what the
 * simulator received. `meter` starts the CPU meters just before the runs and returns their reading.
 */
export async function measureSideBySide(options: {
  sim: SimProcess;
  keys: number;
  perKey: number;
  meter: () => () => Record<string, number>;
  runAll: () => Promise<RunResult[]>;
}): Promise<SideBySideFigures> {
  const { sim } = options;
  const keys = Array.from({ length: options.keys }, (_, k) => k);
  await sim.lag();
  const readCpu = options.meter();
  const started = Date.now();
  const results = await options.runAll();
  const wall = (Date.now() - started) / 1000;
  const cpuSeconds = readCpu();
  const simulatorLagMs = await sim.lag();
  for (const { counts } of results) {
    if (!countsAddUp(counts) || counts.exported !== options.perKey) throw new Error(`side by side: ${JSON.stringify(counts)}`);
  }
  const stats = await Promise.all(keys.map((k) => sim.stats(key(k))));
  const byKey = await Promise.all(keys.map((k) => sim.arrivals(key(k))));
  const arrivals = byKey.flat();
  const upserts = arrivals.filter((a) => a.request === 'POST /contacts').map((a) => a.at);
  const windows = byKey.map(keyWindow);
  const allFrom = Math.max(...windows.map((w) => w.firstUpsert));
  const allTo = Math.min(...windows.map((w) => w.lastUpsert));
  return {
    keys: options.keys,
    profilesPerKey: options.perKey,
    wallSeconds: wall,
    floorSeconds: Math.ceil(options.perKey / 100) / RATE,
    aggregateRequestsPerSecond: Number(perSecond(upserts).toFixed(1)),
    sumOfRates: options.keys * RATE,
    peakPerKey: Math.max(...stats.map((s) => s.maxReceivedPerSecond)),
    rateLimited: stats.reduce((n, s) => n + s.rateLimited, 0),
    requests: arrivals.length,
    sendingSeconds: seconds(Math.max(...upserts) - Math.min(...upserts)),
    setupSeconds: spread(windows.map((w) => (w.firstUpsert - w.first) / 1000)),
    firstUpsertSpreadSeconds: seconds(allFrom - Math.min(...windows.map((w) => w.firstUpsert))),
    perKeyRequestsPerSecond: spread(windows.map((w) => w.rate)),
    allSendingRequestsPerSecond: Number((upserts.filter((t) => t >= allFrom && t <= allTo).length / ((allTo - allFrom) / 1000)).toFixed(1)),
    shortestSixMs: Math.min(...byKey.map((a) => shortest(a.map((x) => x.at), 6))),
    shortestGapMs: Math.min(...byKey.map((a) => shortest(a.map((x) => x.at), 2))),
    closestSix: closestSix(byKey),
    simulatorLagMs,
    cpuSeconds,
  };
}

/** Of the key whose six requests in a row came closest, each of them: when (ms after the first), what, how long the simulator took. */
function closestSix(byKey: Arrival[][]): string[] {
  let best: Arrival[] = [];
  for (const arrivals of byKey) {
    const a = [...arrivals].sort((x, y) => x.at - y.at);
    for (let i = 5; i < a.length; i++) if (best.length === 0 || a[i].at - a[i - 5].at < best[5].at - best[0].at) best = a.slice(i - 5, i + 1);
  }
  return best.map((x) => `+${Math.round(x.at - best[0].at)} ms ${x.request} ${x.status ?? ''} (${x.ms ?? '?'} ms; stamped ${x.late ?? '?'} ms late)`);
}

/** The shortest span of `n` consecutive times (ms), rounded. */
function shortest(times: number[], n: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = Infinity;
  for (let i = n - 1; i < t.length; i++) best = Math.min(best, t[i] - t[i - n + 1]);
  return Math.round(best);
}

type Arrival = { at: number; request: string; late?: number; status?: number; ms?: number };

/** One key's first request, its first and last upserts, and its upserts per second between them. */
function keyWindow(arrivals: Arrival[]) {
  const upserts = arrivals.filter((a) => a.request === 'POST /contacts').map((a) => a.at);
  return { first: Math.min(...arrivals.map((a) => a.at)), firstUpsert: Math.min(...upserts), lastUpsert: Math.max(...upserts), rate: perSecond(upserts) };
}

/** Smallest, median and largest, to 2 decimals. */
function spread(values: number[]): [number, number, number] {
  const s = [...values].sort((a, b) => a - b);
  const r = (v: number) => Number(v.toFixed(2));
  return [r(s[0]), r(s[Math.floor(s.length / 2)]), r(s[s.length - 1])];
}

const seconds = (ms: number) => Number((ms / 1000).toFixed(2));

function prefixed(prefix: string, figures: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(figures).map(([k, v]) => [prefix + k, v]));
}

/** Requests per second from the first to the last of them (ms timestamps). */
function perSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return (sorted.length - 1) / ((sorted[sorted.length - 1] - sorted[0]) / 1000);
}
