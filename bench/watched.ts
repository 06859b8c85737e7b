import { performance } from 'node:perf_hooks';
import { countsAddUp, type RunCounts } from '../domain/export';
import type { Db } from '../store/db';
import { importProfiles } from '../store/profiles';
import { getRun } from '../store/run-queries';
import { startApiStack } from '../test/helpers/api-stack';
import { TEST_API_KEY } from '../test/helpers/stack';
import { runPhases } from './phases';

/**
 * A run as a user makes one and watches it (`npm run bench -- --scenario w`): four overlapping
 * segments (about 1.31 memberships a profile, shared and case-variant emails, invalid and missing
 * ones), started with `POST /exports/:id/runs` on the real API, followed by a client reading
 * `GET /runs/:id` every 2 s as the CLI's `--follow` and the console do, Autopilot at 5 requests/s
 * with 100–300 ms latency, on the store given (the embedded default: a file-backed PGlite).
 */

export const WATCHED_SEGMENTS = ['Watch1', 'Watch2', 'Watch3', 'Watch4'];

/** Profile i is in segment i mod 4, and in the next one too for 31 in 100; 3 % have no email, 2 % an invalid one, 6 % an earlier one's in other case and spaces. */
export async function importWatched(db: Db, count: number): Promise<number> {
  let memberships = 0;
  async function* lines() {
    for (let i = 1; i <= count; i++) {
      const id = `Watch-${String(i).padStart(7, '0')}`;
      const home = i % 4;
      const segments = [WATCHED_SEGMENTS[home], ...((i * 7919) % 100 < 31 ? [WATCHED_SEGMENTS[(home + 1) % 4]] : [])];
      memberships += segments.length;
      const r = (i * 104729) % 100;
      const email =
        r < 3 ? undefined
        : r < 5 ? `watch-${i}-at-example.com`
        : r < 11 && i > 1000 ? `  WATCH-${i - 997}@Example.COM `
        : `watch-${i}@example.com`;
      yield JSON.stringify({ id, segments, ...(email !== undefined && { EmailAddress: email }), FirstName: `F${i}`, LastName: `L${i}` });
    }
  }
  await importProfiles(db, lines());
  await db.exec('ANALYZE profiles; ANALYZE segment_members');
  return memberships;
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
};
const spread = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(1)} / p95 ${percentile(xs, 95).toFixed(1)} / max ${Math.max(...xs).toFixed(1)} ms (${xs.length})`;

export interface WatchedFigures {
  wallSeconds: number;
  batches: number;
  floorRatio: number;
  setupSeconds: number;
  planSeconds: number;
  /** The setup's activities: when each was scheduled and how long it took (see runPhases). */
  setupSteps: string;
  sendingRequestsPerSecond: number;
  gapsOver400ms: number;
  rateLimited: number;
  maxPerSecond: number;
  reads: string;
  /** Of each read, the store's part: the run's row, as GET /runs/:id reads it. */
  storeReads: string;
  /** The slowest reads, with when they were made (seconds after the run was started). */
  slowest: string;
  batchReads: string;
  batchRecords: string;
  counts: RunCounts;
}

/**
 * The store as the workers and the API use it, timed: each batch's read and each batch's record
 * (its transaction) as the worker waited for them, whatever else the store was answering.
 */
function timedStore(db: Db, batchReads: number[], batchRecords: number[]): Db {
  return {
    ...db,
    query: async (sql, params) => {
      const started = performance.now();
      try {
        return await db.query(sql, params);
      } finally {
        if (sql.includes('FROM run_item_status i LEFT JOIN run_profiles f')) batchReads.push(performance.now() - started);
        if (sql.includes('INSERT INTO run_batches')) batchRecords.push(performance.now() - started);
      }
    },
    transaction: async (fn) => {
      const started = performance.now();
      let record = false;
      try {
        return await db.transaction((tx) => fn({ ...tx, query: (sql, params) => ((record ||= sql.includes('INSERT INTO run_batches')), tx.query(sql, params)) }));
      } finally {
        if (record) batchRecords.push(performance.now() - started);
      }
    },
  };
}

export async function watchedRun(options: { db: Db; profiles: number; received: number[]; requestsPerSecond: number; pollMs: number }): Promise<WatchedFigures> {
  const batchReads: number[] = [];
  const batchRecords: number[] = [];
  const s = await startApiStack({
    db: timedStore(options.db, batchReads, batchRecords),
    rateLimit: options.requestsPerSecond,
    sim: { rateLimit: options.requestsPerSecond, faults: { latencyMs: [100, 300] } },
  });
  try {
    const connection = await s.createConnection(TEST_API_KEY, options.requestsPerSecond);
    const e = await s.createExport({ connectionId: connection.id, segmentIds: WATCHED_SEGMENTS, profileLimit: 100_000, onLimitExceeded: 'send_first' });
    options.received.length = 0;
    const started = Date.now();
    const { runId } = (await s.api('POST', `/exports/${e.id}/runs`)).body as { runId: string };
    const reads: number[] = [];
    const readAt: number[] = [];
    const storeReads: number[] = [];
    let run: { status: string; counts: RunCounts } | undefined;
    // The watcher: one GET every pollMs, as `segment-export runs show --follow` and the console.
    for (;;) {
      const t = performance.now();
      const res = await s.api('GET', `/runs/${runId}`);
      reads.push(performance.now() - t);
      readAt.push((Date.now() - started) / 1000);
      const u = performance.now();
      await getRun(options.db, runId);
      storeReads.push(performance.now() - u);
      run = res.body as { status: string; counts: RunCounts };
      if (run.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    }
    const [{ workflowId }] = await options.db.query<{ workflowId: string }>('SELECT workflow_id AS "workflowId" FROM runs WHERE id = $1', [runId]);
    await s.client.workflow.getHandle(workflowId).result();
    const wall = (Date.now() - started) / 1000;
    const stats = s.sim.sim.stats(TEST_API_KEY);
    // The requests before the first upsert are the key check and the lists; the rest, the sending.
    const sending = options.received.slice(stats.requests - stats.upserts - stats.rateLimited);
    const gaps = sending.slice(1).map((t, i) => t - sending[i]);
    const phases = await runPhases(s.client, workflowId);
    const counts = run.counts;
    if (run.status !== 'completed' || !countsAddUp(counts) || counts.total !== options.profiles) throw new Error(`watched run: ${run.status}, ${JSON.stringify(counts)}`);
    return {
      wallSeconds: wall,
      batches: stats.upserts,
      floorRatio: Number((wall / (stats.upserts / options.requestsPerSecond)).toFixed(3)),
      setupSeconds: Number(phases.setupSeconds.toFixed(1)),
      planSeconds: Number(phases.planSeconds.toFixed(1)),
      setupSteps: phases.setupSteps,
      sendingRequestsPerSecond: Number(((sending.length - 1) / ((sending[sending.length - 1] - sending[0]) / 1000)).toFixed(2)),
      gapsOver400ms: gaps.filter((g) => g > 400).length,
      rateLimited: stats.rateLimited,
      maxPerSecond: stats.maxReceivedPerSecond,
      reads: spread(reads),
      storeReads: spread(storeReads),
      slowest: reads
        .map((ms, i) => ({ ms, at: readAt[i] }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 5)
        .map((r) => `${r.ms.toFixed(0)} ms at ${r.at.toFixed(1)} s`)
        .join(', '),
      batchReads: spread(batchReads),
      batchRecords: spread(batchRecords),
      counts,
    };
  } finally {
    await s.close();
  }
}
