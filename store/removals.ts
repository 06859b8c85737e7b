import type { Db } from './db';
import { DEFAULT_MAX_REMOVAL_SHARE, RemovalHeld, type ExportSettings, type RemovalGateList } from '../domain/export';
import { addRemovalsHeld, addRemoved, recordRemovalGate, type RemovalGateRecord } from './runs';

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

type PlannedList = { segmentId: string; listId: string; removals: number };

/**
 * The gate over a run's planned removals, inside the freeze's transaction: the freeze (snapshotRun,
 * store/runs.ts) plans them in its own statement, the only place that sees every member of the
 * run, unchanged ones included, which it does not write as items. A list is gated when more than
 * the export's maxRemovalShare of the memberships this engine delivered to it would go. Recorded on
 * the run (removal_gate), where the API and alerts read what waits for approval; a retried freeze
 * replaces it.
 */
export async function gateRemovals(tx: Db, runId: string, settings: ExportSettings): Promise<RemovalPlan> {
  const planned = await tx.query<PlannedList>(
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
  await recordRemovalGate(tx, runId, gated.length ? { lists: gated.map(({ segmentId, listId, removals, members }) => ({ segmentId, listId, removals, members })) } : null);
  return { removals: planned.reduce((sum, p) => sum + p.removals, 0), gate };
}

/** More than `share` of the list's delivered members would go. */
export function overShare(removals: number, members: number, share: number): boolean {
  return removals > share * members;
}

/** Memberships of each segment's list this engine delivered, before the run. */
async function deliveredMembers(db: Db, exportId: string, segmentIds: string[]): Promise<Map<string, number>> {
  const rows = await db.query<{ segmentId: string; n: number }>(
    `SELECT segment_id AS "segmentId", count(*)::int AS n FROM sync_state
     WHERE export_id = $1 AND segment_id = ANY($2::text[]) AND status = 'exported' GROUP BY segment_id`,
    [exportId, segmentIds],
  );
  return new Map(rows.map((r) => [r.segmentId, r.n]));
}

/** `kept`: another export delivered the same membership since the freeze; it stays on the list, and this export forgets it. */
export type RemovalStatus = 'pending' | 'removed' | 'failed' | 'kept';

export interface RemovalItem {
  seq: number;
  /** The email as it was delivered, and the list it was delivered to. */
  email: string;
  listId: string;
  segmentId: string;
  status: RemovalStatus;
  /** Another export holds this membership as delivered now: taking it off would undo that export's work. */
  heldElsewhere: boolean;
}

/**
 * Removals [first, first + count) of a run, in order. Whether another export holds the membership
 * is asked again here, not only at the freeze: removals may wait hours for an approval, and a
 * membership another export delivered meanwhile must stay.
 */
export async function readRemovals(db: Db, runId: string, first: number, count: number): Promise<RemovalItem[]> {
  return db.query<RemovalItem>(
    `SELECT r.seq, r.email, r.list_id AS "listId", r.segment_id AS "segmentId", r.status,
       EXISTS (
         SELECT FROM sync_state o WHERE o.list_id = r.list_id AND o.email_key = r.email_key AND o.status = 'exported' AND o.export_id <> ru.export_id
       ) AS "heldElsewhere"
     FROM run_removals r JOIN runs ru ON ru.id = r.run_id
     WHERE r.run_id = $1 AND r.seq >= $2 AND r.seq < $3 ORDER BY r.seq`,
    [runId, first, first + count],
  );
}

export interface RemovalOutcome {
  seq: number;
  status: Exclude<RemovalStatus, 'pending'>;
  /** Why the destination refused it (failed) or it stayed (kept); never profile data. */
  reason?: string;
}

/**
 * Records removals in one statement: a removed membership leaves the export's sync state in the
 * same statement that marks it removed, so a crash can neither claim a removal the destination did not
 * make nor forget one it did. A kept one leaves it too (the other export holds it now); a failed one
 * keeps it and says why. A removal once recorded as removed or kept stays so. Those removed now count
 * in the run's tally and those kept in its removals held, in the same transaction.
 */
export async function recordRemovals(db: Db, runId: string, outcomes: RemovalOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await db.transaction(async (tx) => {
    const [{ removed, kept }] = await tx.query<{ removed: number; kept: number }>(
      `WITH marked AS (
         UPDATE run_removals r SET status = o.status, reason = o.reason
         FROM unnest($2::int[], $3::text[], $4::text[]) AS o(seq, status, reason)
         WHERE r.run_id = $1 AND r.seq = ANY($2::int[]) AND r.seq = o.seq AND r.status NOT IN ('removed', 'kept')
         RETURNING r.segment_id, r.email_key, r.list_id, r.status
       ), forgotten AS (
         DELETE FROM sync_state s USING marked m, runs ru
         WHERE ru.id = $1 AND m.status IN ('removed', 'kept') AND s.export_id = ru.export_id
           AND s.segment_id = m.segment_id AND s.email_key = m.email_key AND s.list_id = m.list_id
       )
       SELECT count(*) FILTER (WHERE status = 'removed')::int AS removed, count(*) FILTER (WHERE status = 'kept')::int AS kept FROM marked`,
      [runId, outcomes.map((o) => o.seq), outcomes.map((o) => o.status), outcomes.map((o) => (o.status === 'removed' ? null : (o.reason ?? null)))],
    );
    await addRemoved(tx, runId, removed);
    await addRemovalsHeld(tx, runId, RemovalHeld.DELIVERED_BY_ANOTHER_EXPORT, kept);
  });
}

export interface RemovalCounts {
  planned: number;
  removed: number;
  failed: number;
  kept: number;
  pending: number;
}

/** How far a run's removals got. */
export async function countRemovals(db: Db, runId: string): Promise<RemovalCounts> {
  const [row] = await db.query<RemovalCounts>(
    `SELECT count(*)::int AS planned,
       count(*) FILTER (WHERE status = 'removed')::int AS removed,
       count(*) FILTER (WHERE status = 'failed')::int AS failed,
       count(*) FILTER (WHERE status = 'kept')::int AS kept,
       count(*) FILTER (WHERE status = 'pending')::int AS pending
     FROM run_removals WHERE run_id = $1`,
    [runId],
  );
  return row;
}

/** What a run's gate holds back, and who approved it; undefined when the run has no gate. */
export async function readRemovalGate(db: Db, runId: string): Promise<RemovalGateRecord | undefined> {
  const [row] = await db.query<{ gate: RemovalGateRecord | null }>('SELECT removal_gate AS gate FROM runs WHERE id = $1', [runId]);
  return row?.gate ?? undefined;
}
