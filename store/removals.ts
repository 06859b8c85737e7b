import type { Db } from './db';
import { DEFAULT_MAX_REMOVAL_SHARE, type ExportSettings, type RemovalGateList } from '../domain/export';

/**
 * Mirror mode: the (email, list) memberships this engine delivered that have left their segments
 * are taken off their Autopilot lists. Only memberships the engine itself added (sync state
 * 'exported') are ever touched, and only the membership: contacts are never deleted.
 */

export interface RemovalPlan {
  /** Memberships to take off lists, numbered 0..removals-1 in run_removals. */
  removals: number;
  /** Lists whose removals are over the export's maxRemovalShare: the run waits for an admin. */
  gate: RemovalGateList[];
}

/**
 * Plans a run's removals, inside the freeze's transaction and after its run_items and run_profiles
 * are written: every delivered membership of the chosen segments whose email no profile of this
 * run has in that segment (sent, skipped or duplicate alike: only members who left are removed).
 * Numbered by segment (in the export's order), then email_key. Idempotent: a retried freeze
 * replaces what an earlier attempt planned. The gate is also recorded on the run (removal_gate),
 * where the API and alerts read what waits for approval.
 *
 * The freeze (snapshotRun) no longer calls this: an incremental run writes no items for its
 * unchanged deliveries, which this would take for members who left. It plans the same removals in
 * its own statement and gates them with {@link gateRemovals}. This stays for runs whose every
 * member has an item (a full run, the tests).
 */
export async function planRemovals(tx: Db, runId: string, settings: ExportSettings): Promise<RemovalPlan> {
  await tx.query('DELETE FROM run_removals WHERE run_id = $1', [runId]);
  const planned = await tx.query<PlannedList>(PLAN_SQL, [runId, settings.exportId, settings.segmentIds]);
  return gateRemovals(tx, runId, settings, planned);
}

type PlannedList = { segmentId: string; listId: string; removals: number };

/**
 * The gate over a run's planned removals (given, or read from run_removals: the freeze plans them
 * in its own statement, store/runs.ts, which sees the unchanged members it does not write as items).
 */
export async function gateRemovals(tx: Db, runId: string, settings: ExportSettings, planned?: PlannedList[]): Promise<RemovalPlan> {
  planned ??= await tx.query<PlannedList>(
    `SELECT segment_id AS "segmentId", min(list_id) AS "listId", count(*)::int AS removals
     FROM run_removals WHERE run_id = $1 GROUP BY segment_id ORDER BY min(seq)`,
    [runId],
  );
  const members = await deliveredMembers(tx, settings.exportId, settings.segmentIds);
  const share = settings.maxRemovalShare ?? DEFAULT_MAX_REMOVAL_SHARE;
  const gated = planned
    .map((p) => ({ ...p, members: members.get(p.segmentId) ?? 0 }))
    .filter((p) => overShare(p.removals, p.members, share));
  const gate = gated.map(({ segmentId, removals, members }) => ({ segmentId, removals, members }));
  await tx.query('UPDATE runs SET removal_gate = $2 WHERE id = $1', [
    runId,
    gated.length ? JSON.stringify({ lists: gated.map(({ segmentId, listId, removals, members }) => ({ segmentId, listId, removals, members })) }) : null,
  ]);
  return { removals: planned.reduce((sum, p) => sum + p.removals, 0), gate };
}

/** More than `share` of the list's delivered members would go. */
export function overShare(removals: number, members: number, share: number): boolean {
  return removals > share * members;
}

const PLAN_SQL = `
WITH kept AS (
  -- Every (segment, email) this run has a profile for: run_profiles.email is already trimmed.
  SELECT i.segment_id, lower(f.email) AS email_key
  FROM run_items i JOIN run_profiles f ON f.run_id = i.run_id AND f.profile_id = i.profile_id
  WHERE i.run_id = $1 AND f.email IS NOT NULL
), leaving AS (
  SELECT s.segment_id, s.email_key, s.email, s.list_id, c.pos
  FROM unnest($3::text[]) WITH ORDINALITY AS c(segment_id, pos)
  JOIN sync_state s ON s.export_id = $2 AND s.segment_id = c.segment_id AND s.status = 'exported'
  WHERE NOT EXISTS (SELECT FROM kept k WHERE k.segment_id = s.segment_id AND k.email_key = s.email_key)
), inserted AS (
  INSERT INTO run_removals (run_id, seq, email_key, email, segment_id, list_id)
  SELECT $1, (row_number() OVER (ORDER BY pos, email_key) - 1)::int, email_key, email, segment_id, list_id FROM leaving
  RETURNING segment_id, list_id, seq
)
SELECT segment_id AS "segmentId", min(list_id) AS "listId", count(*)::int AS removals
FROM inserted GROUP BY segment_id ORDER BY min(seq)`;

/** Memberships of each segment's list this engine delivered, before the run. */
async function deliveredMembers(db: Db, exportId: string, segmentIds: string[]): Promise<Map<string, number>> {
  const rows = await db.query<{ segmentId: string; n: number }>(
    `SELECT segment_id AS "segmentId", count(*)::int AS n FROM sync_state
     WHERE export_id = $1 AND segment_id = ANY($2::text[]) AND status = 'exported' GROUP BY segment_id`,
    [exportId, segmentIds],
  );
  return new Map(rows.map((r) => [r.segmentId, r.n]));
}

export type RemovalStatus = 'pending' | 'removed' | 'failed';

export interface RemovalItem {
  seq: number;
  /** The email as it was delivered, and the list it was delivered to. */
  email: string;
  listId: string;
  segmentId: string;
  status: RemovalStatus;
}

/** Removals [first, first + count) of a run, in order. */
export async function readRemovals(db: Db, runId: string, first: number, count: number): Promise<RemovalItem[]> {
  return db.query<RemovalItem>(
    `SELECT seq, email, list_id AS "listId", segment_id AS "segmentId", status FROM run_removals
     WHERE run_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq`,
    [runId, first, first + count],
  );
}

export interface RemovalOutcome {
  seq: number;
  status: 'removed' | 'failed';
  /** Why Autopilot refused it (a failure); never profile data. */
  reason?: string;
}

/**
 * Records removals in one statement: a removed membership leaves the export's sync state in the
 * same statement that marks it removed, so a crash can neither claim a removal Autopilot did not
 * make nor forget one it did. A failed one keeps its sync state and says why. A removal once
 * recorded as removed stays so.
 */
export async function recordRemovals(db: Db, runId: string, outcomes: RemovalOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await db.query(
    `WITH marked AS (
       UPDATE run_removals r SET status = o.status, reason = o.reason
       FROM unnest($2::int[], $3::text[], $4::text[]) AS o(seq, status, reason)
       WHERE r.run_id = $1 AND r.seq = ANY($2::int[]) AND r.seq = o.seq AND r.status <> 'removed'
       RETURNING r.segment_id, r.email_key, r.list_id, r.status
     )
     DELETE FROM sync_state s USING marked m, runs ru
     WHERE ru.id = $1 AND m.status = 'removed' AND s.export_id = ru.export_id
       AND s.segment_id = m.segment_id AND s.email_key = m.email_key AND s.list_id = m.list_id`,
    [runId, outcomes.map((o) => o.seq), outcomes.map((o) => o.status), outcomes.map((o) => (o.status === 'failed' ? (o.reason ?? null) : null))],
  );
}

export interface RemovalCounts {
  planned: number;
  removed: number;
  failed: number;
  pending: number;
}

/** How far a run's removals got. */
export async function countRemovals(db: Db, runId: string): Promise<RemovalCounts> {
  const [row] = await db.query<RemovalCounts>(
    `SELECT count(*)::int AS planned,
       count(*) FILTER (WHERE status = 'removed')::int AS removed,
       count(*) FILTER (WHERE status = 'failed')::int AS failed,
       count(*) FILTER (WHERE status = 'pending')::int AS pending
     FROM run_removals WHERE run_id = $1`,
    [runId],
  );
  return row;
}

export interface RemovalGateRecord {
  lists: (RemovalGateList & { listId: string })[];
  approvedBy?: string;
  approvedAt?: string;
}

/** What a run's gate holds back, and who approved it; undefined when the run has no gate. */
export async function readRemovalGate(db: Db, runId: string): Promise<RemovalGateRecord | undefined> {
  const [row] = await db.query<{ gate: RemovalGateRecord | null }>('SELECT removal_gate AS gate FROM runs WHERE id = $1', [runId]);
  return row?.gate ?? undefined;
}

/** Notes who let a gated run remove what it planned (the workflow is what lets it). */
export async function recordRemovalApproval(db: Db, runId: string, by: string): Promise<void> {
  await db.query(
    `UPDATE runs SET removal_gate = removal_gate || jsonb_build_object('approvedBy', $2::text, 'approvedAt', now())
     WHERE id = $1 AND removal_gate IS NOT NULL`,
    [runId, by],
  );
}
