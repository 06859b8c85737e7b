import type { Db } from './db';
import { deleteRun, markDetailsPurged } from './runs';

/**
 * The per-profile details of a run, every table keyed by `run_id` first: what retention deletes.
 * A new table of per-profile run data belongs here, or it is kept forever.
 */
export const RUN_DETAIL_TABLES = ['run_items', 'run_batches', 'run_profiles', 'run_removals', 'run_source_members', 'run_source_profiles', 'run_profile_pending'] as const;

export interface PurgeOptions {
  /** Runs that finished before this lose their details. */
  finishedBefore: Date;
  /** Rows per DELETE: each statement is its own short transaction. */
  rowsPerChunk?: number;
  /** Rows deleted per call at most; call again while `more`. */
  maxRows?: number;
  /** Called after each chunk (an activity heartbeats there). */
  onChunk?: () => void;
}

export interface PurgeResult {
  /** Runs whose details are now gone; their summaries stay. */
  runsPurged: number;
  /** Runs of deleted exports, removed summary and all. */
  runsDeleted: number;
  rowsDeleted: number;
  /** Some work was left for another call. */
  more: boolean;
}

const DEFAULTS = { rowsPerChunk: 5_000, maxRows: 200_000 };
/** Runs looked up at once; more are found by the next call. */
const RUNS_PER_LOOKUP = 100;

/**
 * Deletes the per-profile details of runs that finished before the cutoff, in chunks, and marks
 * each run once all of its details are gone (a run cut short is simply found again). Runs of
 * deleted exports go entirely, whatever their age, once they have stopped.
 */
export async function purgeRunDetails(db: Db, options: PurgeOptions): Promise<PurgeResult> {
  const { rowsPerChunk, maxRows } = { ...DEFAULTS, ...options };
  const result: PurgeResult = { runsPurged: 0, runsDeleted: 0, rowsDeleted: 0, more: false };
  const runs = await findRunsToPurge(db, options.finishedBefore, RUNS_PER_LOOKUP);
  for (const run of runs) {
    const left = maxRows - result.rowsDeleted;
    const { rows, complete } = await deleteDetails(db, run.runId, { rowsPerChunk, maxRows: left, onChunk: options.onChunk });
    result.rowsDeleted += rows;
    if (!complete) return { ...result, more: true };
    if (run.exportDeleted) {
      await deleteRun(db, run.runId);
      result.runsDeleted++;
    } else {
      await markDetailsPurged(db, run.runId);
      result.runsPurged++;
    }
  }
  return { ...result, more: runs.length === RUNS_PER_LOOKUP };
}

interface DueRun {
  runId: string;
  exportDeleted: boolean;
}

/** Stopped runs whose details are due, oldest first. A running run is never touched. */
async function findRunsToPurge(db: Db, finishedBefore: Date, limit: number): Promise<DueRun[]> {
  return db.query<DueRun>(
    `SELECT r.id AS "runId", e.id IS NULL AS "exportDeleted"
     FROM runs r LEFT JOIN exports e ON e.id = r.export_id
     WHERE r.finished_at IS NOT NULL AND r.status <> 'running'
       AND (e.id IS NULL OR (r.details_purged_at IS NULL AND r.finished_at < $1))
     ORDER BY r.finished_at, r.id LIMIT $2`,
    [finishedBefore, limit],
  );
}

/** Deletes a run's detail rows, table by table, at most `maxRows` of them; `complete` when none is left. */
async function deleteDetails(
  db: Db,
  runId: string,
  o: { rowsPerChunk: number; maxRows: number; onChunk?: () => void },
): Promise<{ rows: number; complete: boolean }> {
  let rows = 0;
  for (const table of RUN_DETAIL_TABLES) {
    for (;;) {
      const limit = Math.min(o.rowsPerChunk, o.maxRows - rows);
      if (limit <= 0) return { rows, complete: false };
      const deleted = await deleteChunk(db, table, runId, limit);
      rows += deleted;
      o.onChunk?.();
      if (deleted < limit) break;
    }
  }
  return { rows, complete: true };
}

/** One bounded DELETE, found through the table's primary key (run_id first) and removed by row address. */
async function deleteChunk(db: Db, table: (typeof RUN_DETAIL_TABLES)[number], runId: string, limit: number): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(
    `WITH gone AS (
       DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE run_id = $1 LIMIT $2)) RETURNING 1
     ) SELECT count(*)::int AS n FROM gone`,
    [runId, limit],
  );
  return n;
}

/** When the run's per-profile details were deleted; null while they are kept (or the run does not exist). */
export async function detailsPurgedAt(db: Db, runId: string): Promise<Date | null> {
  const [row] = await db.query<{ at: Date | null }>('SELECT details_purged_at AS at FROM runs WHERE id = $1', [runId]);
  return row?.at ?? null;
}
