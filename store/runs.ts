import type { Db } from './db';
import {
  EMAIL_PATTERN,
  MAX_BATCH_SIZE,
  SkipReason,
  type ExportSettings,
  type RunCounts,
  type RunTrigger,
} from '../domain/export';

export interface RunPlan {
  /** Distinct profiles across the chosen segments. */
  totalProfiles: number;
  /** Upsert batches to send, numbered 0..batches-1. */
  batches: number;
}

export interface RunRecord {
  runId: string;
  exportId: string;
  workflowId: string;
  trigger: RunTrigger;
}

export async function openRun(db: Db, run: RunRecord): Promise<void> {
  await db.query(
    `INSERT INTO runs (id, export_id, workflow_id, trigger, triggered_by, status)
     VALUES ($1, $2, $3, $4, $5, 'running') ON CONFLICT (id) DO NOTHING`,
    [run.runId, run.exportId, run.workflowId, run.trigger.kind, run.trigger.by ?? null],
  );
}

/**
 * Freezes the run's membership: one item per (profile, chosen segment), classified once.
 * Profiles are ranked by id, so the limit, "first N" and duplicate-email choices are stable
 * whatever the store does afterwards. Sendable items get a batch number; a batch never
 * spans two segments, so one batch never carries the same email twice.
 * Idempotent: a retried snapshot replaces the previous attempt's rows.
 */
export async function snapshotRun(db: Db, runId: string, s: ExportSettings): Promise<RunPlan> {
  const sendLimit = s.onLimitExceeded === 'send_first' ? s.profileLimit : 2 ** 31 - 1;
  return db.transaction(async (tx) => {
    await tx.query('DELETE FROM run_items WHERE run_id = $1', [runId]);
    await tx.query('DELETE FROM run_batches WHERE run_id = $1', [runId]);
    await tx.query(
      `INSERT INTO run_items (run_id, seq, profile_id, segment_id, batch_no, status, reason)
       WITH chosen AS (
         SELECT m.profile_id, m.segment_id, s.pos
         FROM unnest($2::text[]) WITH ORDINALITY AS s(segment_id, pos)
         JOIN segment_members m ON m.segment_id = s.segment_id
       ), ranked AS (
         SELECT p.id, lower(btrim(p.attributes->>$3)) AS email, row_number() OVER (ORDER BY p.id) AS rank
         FROM profiles p WHERE p.id IN (SELECT profile_id FROM segment_members WHERE segment_id = ANY($2::text[]))
       ), classified AS (
         SELECT id, CASE
           WHEN email IS NULL OR email = '' THEN $5
           WHEN email !~ $7 THEN $6
           WHEN rank > $4 THEN $8
           WHEN row_number() OVER (PARTITION BY email ORDER BY id) > 1 THEN $9
         END AS skip
         FROM ranked
       ), items AS (
         SELECT c.profile_id, c.segment_id, c.pos, k.skip,
           row_number() OVER (ORDER BY c.pos, c.profile_id) AS seq,
           -- Sendable items of this segment so far, this one included.
           count(*) FILTER (WHERE k.skip IS NULL) OVER (PARTITION BY c.pos ORDER BY c.profile_id) AS sendable
         FROM chosen c JOIN classified k ON k.id = c.profile_id
       )
       SELECT $1, seq, profile_id, segment_id,
         -- A batch starts at every 100th sendable item of a segment, so none spans two segments.
         CASE WHEN skip IS NULL THEN count(*) FILTER (WHERE skip IS NULL AND (sendable - 1) % $10 = 0) OVER (ORDER BY pos, profile_id) - 1 END,
         CASE WHEN skip IS NULL THEN 'pending' ELSE 'skipped' END, skip
       FROM items`,
      [
        runId,
        s.segmentIds,
        s.mapping.email,
        sendLimit,
        SkipReason.NO_EMAIL,
        SkipReason.INVALID_EMAIL,
        EMAIL_PATTERN,
        SkipReason.OVER_LIMIT,
        SkipReason.DUPLICATE_EMAIL,
        MAX_BATCH_SIZE,
      ],
    );
    const [plan] = await tx.query<RunPlan>(
      `SELECT count(DISTINCT profile_id)::int AS "totalProfiles",
              coalesce(max(batch_no) + 1, 0)::int AS batches
       FROM run_items WHERE run_id = $1`,
      [runId],
    );
    await tx.query('UPDATE runs SET total_profiles = $2 WHERE id = $1', [runId, plan.totalProfiles]);
    return plan;
  });
}

/** Distinct profiles across the segments: what the profile limit is checked against. */
export async function countSegmentProfiles(db: Db, segmentIds: string[]): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    'SELECT count(DISTINCT profile_id)::int AS n FROM segment_members WHERE segment_id = ANY($1::text[])',
    [segmentIds],
  );
  return row.n;
}

export interface BatchItem {
  seq: number;
  batchNo: number;
  status: 'pending' | 'exported' | 'rejected';
  profileId: string;
  segmentId: string;
  attributes: Record<string, unknown>;
}

/** The items of `count` batches from `firstBatch` on, with their profiles, in one round trip. */
export async function readBatches(db: Db, runId: string, firstBatch: number, count: number): Promise<BatchItem[]> {
  return db.query<BatchItem>(
    `SELECT i.seq, i.batch_no AS "batchNo", i.status, i.profile_id AS "profileId", i.segment_id AS "segmentId", p.attributes
     FROM run_item_status i JOIN profiles p ON p.id = i.profile_id
     WHERE i.run_id = $1 AND i.batch_no BETWEEN $2 AND $3 ORDER BY i.batch_no, i.seq`,
    [runId, firstBatch, firstBatch + count - 1],
  );
}

export interface ItemOutcome {
  seq: number;
  status: 'exported' | 'rejected';
  reason?: string;
}

/**
 * Records a sent batch in one statement: the batch as a whole, and each item Autopilot rejected
 * with its reason. Every other item of the batch counts as exported (see run_item_status).
 */
export async function recordSentBatch(db: Db, runId: string, batchNo: number, outcomes: ItemOutcome[]): Promise<void> {
  const rejected = outcomes.filter((o) => o.status === 'rejected');
  // `seq = ANY` lets the planner look the items up by key: joined to unnest() alone, it may scan
  // every run's items once the table's statistics know only other runs.
  await db.query(
    `WITH rejected AS (
       UPDATE run_items i SET status = 'rejected', reason = o.reason
       FROM unnest($3::int[], $4::text[]) AS o(seq, reason)
       WHERE i.run_id = $1 AND i.seq = ANY($3::int[]) AND i.seq = o.seq
     )
     INSERT INTO run_batches (run_id, batch_no) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    [runId, batchNo, rejected.map((o) => o.seq), rejected.map((o) => o.reason ?? null)],
  );
}

/**
 * Profile-level counts: a profile sent to several segment lists is exported only when every
 * send succeeded, rejected if any was refused. Pending items (a run cut short) count as such.
 */
export async function countOutcomes(db: Db, runId: string): Promise<RunCounts & { pending: number }> {
  const rows = await db.query<{ status: string; reason: string | null; n: number }>(
    `WITH per_profile AS (
       SELECT profile_id,
         CASE WHEN bool_or(status = 'rejected') THEN 'rejected'
              WHEN bool_or(status = 'skipped') THEN 'skipped'
              WHEN bool_or(status = 'pending') THEN 'pending'
              ELSE 'exported' END AS status,
         min(reason) FILTER (WHERE status IN ('rejected', 'skipped')) AS reason
       FROM run_item_status WHERE run_id = $1 GROUP BY profile_id
     )
     SELECT status, reason, count(*)::int AS n FROM per_profile GROUP BY status, reason`,
    [runId],
  );
  const counts = { total: 0, exported: 0, pending: 0, skipped: {}, rejected: {} } as RunCounts & { pending: number };
  for (const { status, reason, n } of rows) {
    counts.total += n;
    if (status === 'exported' || status === 'pending') counts[status] += n;
    else {
      const bucket = counts[status as 'skipped' | 'rejected'];
      bucket[reason ?? 'unknown'] = (bucket[reason ?? 'unknown'] ?? 0) + n;
    }
  }
  return counts;
}

export async function closeRun(
  db: Db,
  runId: string,
  status: 'completed' | 'failed' | 'cancelled',
  summary: RunCounts | null,
  error?: string,
): Promise<void> {
  await db.query(
    `UPDATE runs SET status = $2, summary = $3, error = $4, finished_at = now() WHERE id = $1`,
    [runId, status, summary === null ? null : JSON.stringify(summary), error ?? null],
  );
}
