import type { Db } from './db';
import {
  EMAIL_PATTERN,
  MAX_BATCH_SIZE,
  SkipReason,
  type ExportSettings,
  type RemovalGateList,
  type RunCounts,
  type RunTrigger,
} from '../domain/export';

export interface RunPlan {
  /** Distinct profiles across the chosen segments. */
  totalProfiles: number;
  /** Upsert batches to send, numbered 0..batches-1. */
  batches: number;
  /** (contact, list) deliveries those batches hold. */
  contacts: number;
  /** Profiles skipped when planning (no, invalid or duplicate email, over the limit). */
  profilesSkipped: number;
  /** Memberships to take off lists (mirror mode), numbered 0..removals-1 in run_removals. */
  removals?: number;
  /** Lists whose removals are over the export's maxRemovalShare: the run waits for an admin. */
  gate?: RemovalGateList[];
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
 * Freezes the run in one statement (one snapshot of the store): each profile's email and mapped
 * contact fields (run_profiles), and one item per (profile, chosen segment), classified once.
 * Profiles are ranked by id, so the limit, "first N" and duplicate-email choices are stable.
 *
 * Profiles that share an email (trimmed, case-insensitive) are one Autopilot contact: the lowest
 * profile id is sent, on the list of every segment any of them is in; the others are skipped as
 * duplicates, naming the profile sent in their place. So a sendable item is one (email, segment)
 * delivery, and a batch, which never spans two segments, never carries an email twice.
 * Idempotent: a retried snapshot replaces the previous attempt's rows.
 */
export async function snapshotRun(db: Db, runId: string, s: ExportSettings): Promise<RunPlan> {
  const sendLimit = s.onLimitExceeded === 'send_first' ? s.profileLimit : 2 ** 31 - 1;
  const mapped = mappedFields(s.mapping);
  return db.transaction(async (tx) => {
    for (const table of ['run_items', 'run_batches', 'run_profiles']) await tx.query(`DELETE FROM ${table} WHERE run_id = $1`, [runId]);
    // The statement's sorts and hashes (100,000 profiles: about 20 MB each) in memory, not in temporary files.
    await tx.query(`SET LOCAL work_mem = '${SNAPSHOT_WORK_MEM}'`);
    const [plan] = await tx.query<RunPlan>(snapshotSql(mapped.length, s.source === 'dataverse' ? STAGED : STORE), [
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
      ...mapped.flat(),
    ]);
    await tx.query('UPDATE runs SET total_profiles = $2 WHERE id = $1', [runId, plan.totalProfiles]);
    return plan;
  });
}

const SNAPSHOT_WORK_MEM = '32MB';

/** (Autopilot field, profile attribute) pairs in the order toContact applies them: later ones win. */
function mappedFields(m: ExportSettings['mapping']): [string, string][] {
  const standard: [string, string | undefined][] = [['FirstName', m.firstName], ['LastName', m.lastName]];
  return [...standard, ...Object.entries(m.fields ?? {})].filter((p): p is [string, string] => p[1] !== undefined);
}

/**
 * A profile's contact fields, from `pairs` (field, attribute) parameters from $11 on: one
 * `{field: value}` per attribute the profile has (neither JSON null nor ""), concatenated in the
 * mapping's order, so a later pair wins a field two pairs name. The text is a fixed template
 * repeated per pair; names and values are only ever parameters.
 */
function fieldsSql(pairs: number): string {
  const parts = Array.from({ length: pairs }, (_, i) => {
    const [field, attribute] = [`$${11 + 2 * i}::text`, `$${12 + 2 * i}::text`];
    return `CASE WHEN p.attributes->${attribute} NOT IN ('null'::jsonb, '""'::jsonb) THEN jsonb_build_object(${field}, p.attributes->${attribute}) ELSE '{}'::jsonb END`;
  });
  return ["'{}'::jsonb", ...parts].join(' || ');
}

/** Where a freeze reads members and profiles: relations with (segment_id, profile_id) and (id, attributes). */
interface SnapshotSource {
  members: string;
  profiles: string;
}

/** The built-in store. */
const STORE: SnapshotSource = { members: 'segment_members', profiles: 'profiles' };
/** What the run staged from an external source (Dataverse), page by page, before it froze. */
const STAGED: SnapshotSource = {
  members: '(SELECT segment_id, profile_id FROM run_source_members WHERE run_id = $1)',
  profiles: '(SELECT profile_id AS id, attributes FROM run_source_profiles WHERE run_id = $1)',
};

/**
 * The freeze. Rows carried through its sorts are narrow (ids, email, skip reason, the small
 * fields object); a profile's fields are built inline, without a subquery per profile.
 */
const snapshotSql = (pairs: number, source: SnapshotSource) => `
WITH chosen AS (
  SELECT m.profile_id, m.segment_id, s.pos
  FROM unnest($2::text[]) WITH ORDINALITY AS s(segment_id, pos)
  JOIN ${source.members} m ON m.segment_id = s.segment_id
), ranked AS (
  SELECT p.id, btrim(p.attributes->>$3, E' \t\r\n') AS email, row_number() OVER (ORDER BY p.id) AS rank, ${fieldsSql(pairs)} AS fields
  FROM ${source.profiles} p WHERE p.id IN (SELECT profile_id FROM chosen)
), classified AS (
  SELECT id, email, fields, CASE
    WHEN email IS NULL OR email = '' THEN $5
    WHEN lower(email) !~ $7 THEN $6
    WHEN rank > $4 THEN $8
  END AS skip
  FROM ranked
), keyed AS (
  -- The profile each sendable one is sent as: the lowest id with its email.
  SELECT id, email, fields, skip,
    CASE WHEN skip IS NULL THEN first_value(id) OVER (PARTITION BY CASE WHEN skip IS NULL THEN lower(email) END ORDER BY id) END AS sender
  FROM classified
), frozen AS (
  INSERT INTO run_profiles (run_id, profile_id, email, sent_as, fields)
  SELECT $1, id, email, CASE WHEN sender <> id THEN sender END, CASE WHEN sender = id THEN fields END FROM keyed
), items AS (
  -- Deliveries: one per (sent profile, segment of any profile sent as it).
  SELECT DISTINCT k.sender AS profile_id, c.segment_id, c.pos, NULL::text AS skip
  FROM chosen c JOIN keyed k ON k.id = c.profile_id WHERE k.skip IS NULL
  UNION ALL
  SELECT c.profile_id, c.segment_id, c.pos, coalesce(k.skip, $9)
  FROM chosen c JOIN keyed k ON k.id = c.profile_id WHERE k.skip IS NOT NULL OR k.sender <> k.id
), numbered AS (
  SELECT profile_id, segment_id, pos, skip,
    row_number() OVER (ORDER BY pos, profile_id) AS seq,
    -- Sendable items of this segment so far, this one included.
    count(*) FILTER (WHERE skip IS NULL) OVER (PARTITION BY pos ORDER BY profile_id) AS sendable
  FROM items
), inserted AS (
  INSERT INTO run_items (run_id, seq, profile_id, segment_id, batch_no, status, reason)
  SELECT $1, seq, profile_id, segment_id,
    -- A batch starts at every 100th sendable item of a segment, so none spans two segments.
    CASE WHEN skip IS NULL THEN count(*) FILTER (WHERE skip IS NULL AND (sendable - 1) % $10 = 0) OVER (ORDER BY pos, profile_id) - 1 END,
    CASE WHEN skip IS NULL THEN 'pending' ELSE 'skipped' END, skip
  FROM numbered
  RETURNING batch_no
)
-- The plan, from what was just frozen: every profile has one row in keyed; only sendable items have a batch.
SELECT (SELECT count(*) FROM keyed)::int AS "totalProfiles",
  (SELECT coalesce(max(batch_no) + 1, 0) FROM inserted)::int AS batches,
  (SELECT count(batch_no) FROM inserted)::int AS contacts,
  (SELECT count(*) FROM keyed WHERE skip IS NOT NULL OR sender <> id)::int AS "profilesSkipped"`;

/** Distinct profiles across the segments (in the store, or staged by the run): what the profile limit is checked against. */
export async function countSegmentProfiles(db: Db, segmentIds: string[], stagedBy?: string): Promise<number> {
  const members = stagedBy ? '(SELECT segment_id, profile_id FROM run_source_members WHERE run_id = $2)' : 'segment_members';
  const [row] = await db.query<{ n: number }>(
    `SELECT count(DISTINCT profile_id)::int AS n FROM ${members} m WHERE segment_id = ANY($1::text[])`,
    stagedBy ? [segmentIds, stagedBy] : [segmentIds],
  );
  return row.n;
}

export interface BatchItem {
  seq: number;
  batchNo: number;
  status: 'pending' | 'exported' | 'rejected';
  profileId: string;
  segmentId: string;
  /** As frozen when the run planned; null only for runs planned before profiles were frozen. */
  email: string | null;
  fields: Record<string, unknown> | null;
}

/** The items of `count` batches from `firstBatch` on, with what the run froze of their profiles, in one round trip. */
export async function readBatches(db: Db, runId: string, firstBatch: number, count: number): Promise<BatchItem[]> {
  return db.query<BatchItem>(
    `SELECT i.seq, i.batch_no AS "batchNo", i.status, i.profile_id AS "profileId", i.segment_id AS "segmentId", f.email, f.fields
     FROM run_item_status i LEFT JOIN run_profiles f ON f.run_id = i.run_id AND f.profile_id = i.profile_id
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
export async function countOutcomes(db: Db, runId: string): Promise<RunCounts> {
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
  const counts: RunCounts = { total: 0, exported: 0, pending: 0, skipped: {}, rejected: {} };
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

export type ClosedStatus = 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

/** Closes a run that is still open; a run closed already (by the workflow or by reconciliation) stays as it is. */
export async function closeRun(db: Db, runId: string, status: ClosedStatus, summary: RunCounts, reason?: string): Promise<void> {
  await db.query(
    `UPDATE runs SET status = $2, summary = $3, error = $4, finished_at = now() WHERE id = $1 AND status = 'running'`,
    [runId, status, JSON.stringify(summary), reason ?? null],
  );
}

/** A scheduled trigger that started nothing, recorded as a run of its own so the export's history shows it. */
export async function recordSkippedRun(db: Db, run: RunRecord & { reason: string }): Promise<void> {
  await db.query(
    `INSERT INTO runs (id, export_id, workflow_id, trigger, triggered_by, status, total_profiles, error, finished_at)
     VALUES ($1, $2, $3, $4, $5, 'skipped', 0, $6, now()) ON CONFLICT (id) DO NOTHING`,
    [run.runId, run.exportId, run.workflowId, run.trigger.kind, run.trigger.by ?? null, run.reason],
  );
}
