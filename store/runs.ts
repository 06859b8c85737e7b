import type { Db } from './db';
import { SkipReason, type RemovalGateList, type RunCounts, type RunTrigger, type SyncMode } from '../domain/export';
import type { ClosedStatus } from '../domain/run-status';

/**
 * The run record, and every write to it: opened when a run starts, its mode and plan recorded by
 * the freeze, its removal gate and who approved it, closed with its counts; retention marks or
 * deletes it. Other modules call these; none writes the runs table itself.
 */

/** What a run's gate holds back, and who approved it. */
export interface RemovalGateRecord {
  lists: (RemovalGateList & { listId: string })[];
  approvedBy?: string;
  approvedAt?: string;
}

export interface RunRecord {
  runId: string;
  exportId: string;
  workflowId: string;
  trigger: RunTrigger;
}

/** What the run was asked for, recorded when it opens. */
export interface RunKind {
  dryRun?: boolean;
  redriveOf?: string;
}

/**
 * Records a run as going, once, by whoever starts it (the API for a manual run, the schedule's
 * workflow for a scheduled one), before its workflow exists: the run can be read from the moment
 * its id is answered. `workflowRunId` only for runs whose workflow opened its own record (runs
 * started before starters minted ids); a second open of one changes nothing.
 */
export async function openRun(db: Db, run: RunRecord & RunKind & { workflowRunId?: string }): Promise<void> {
  await db.query(
    `INSERT INTO runs (id, export_id, workflow_id, trigger, triggered_by, status, dry_run, redrive_of, workflow_run_id)
     VALUES ($1, $2, $3, $4, $5, 'running', coalesce($6, false), $7, $8)
     ON CONFLICT (id) DO NOTHING`,
    [run.runId, run.exportId, run.workflowId, run.trigger.kind, run.trigger.by ?? null, run.dryRun ?? null, run.redriveOf ?? null, run.workflowRunId ?? null],
  );
}

/**
 * Records the workflow execution a run began in (its first: a continue-as-new or a reset keeps
 * it), which steering and reconciling address. False when the record is gone: its starter was
 * refused and discarded it, so the workflow must not go on.
 */
export async function attachWorkflowRun(db: Db, runId: string, workflowRunId: string): Promise<boolean> {
  const rows = await db.query('UPDATE runs SET workflow_run_id = coalesce(workflow_run_id, $2) WHERE id = $1 RETURNING id', [runId, workflowRunId]);
  return rows.length > 0;
}

/** Removes the record of a run whose start was refused: no workflow began it, so it never was a run. */
export async function discardUnstartedRun(db: Db, runId: string): Promise<void> {
  await db.query('DELETE FROM runs WHERE id = $1 AND workflow_run_id IS NULL', [runId]);
}

/**
 * Profile-level counts, and, for a run that planned removals, the list memberships it took off.
 * A profile sent to several segment lists is rejected if any send was
 * refused, pending while any is still to send, exported once every send succeeded; a profile with
 * nothing to send (no or invalid email, a duplicate, over the limit, its deliveries parked) is
 * skipped. Profiles whose every delivery is unchanged are counted by the freeze, not read item by
 * item (the few unchanged items written are examples, see snapshotSql). Pending items (a run cut
 * short) count as such.
 */
export async function countOutcomes(db: Db, runId: string): Promise<RunCounts> {
  const rows = await db.query<{ status: string; reason: string | null; n: number }>(
    `WITH per_profile AS (
       SELECT profile_id,
         CASE WHEN bool_or(status = 'rejected') THEN 'rejected'
              WHEN bool_or(status = 'pending') THEN 'pending'
              WHEN bool_or(status = 'exported') THEN 'exported'
              ELSE 'skipped' END AS status,
         coalesce(min(reason) FILTER (WHERE status = 'rejected'), min(reason) FILTER (WHERE status = 'skipped')) AS reason
       FROM run_item_status WHERE run_id = $1 AND status <> 'unchanged' GROUP BY profile_id
     )
     SELECT status, CASE WHEN status IN ('rejected', 'skipped') THEN reason END AS reason, count(*)::int AS n
     FROM per_profile GROUP BY 1, 2
     UNION ALL
     SELECT 'skipped', $2, unchanged_profiles FROM runs WHERE id = $1 AND unchanged_profiles > 0
     UNION ALL
     SELECT 'removed', NULL, count(*) FILTER (WHERE status = 'removed')::int FROM run_removals WHERE run_id = $1 HAVING count(*) > 0`,
    [runId, SkipReason.UNCHANGED],
  );
  const counts: RunCounts = { total: 0, exported: 0, pending: 0, skipped: {}, rejected: {} };
  for (const { status, reason, n } of rows) {
    // Memberships, not profiles: beside the total, not in it.
    if (status === 'removed') {
      counts.removed = n;
      continue;
    }
    counts.total += n;
    if (status === 'exported' || status === 'pending') counts[status] += n;
    else {
      const bucket = counts[status as 'skipped' | 'rejected'];
      bucket[reason ?? 'unknown'] = (bucket[reason ?? 'unknown'] ?? 0) + n;
    }
  }
  return counts;
}

/** Closes a run that is still open; a run closed already (by the workflow or by reconciliation) stays as it is. */
export async function closeRun(db: Db, runId: string, status: ClosedStatus, summary: RunCounts, reason?: string): Promise<void> {
  await db.query(
    `UPDATE runs SET status = $2, summary = $3, error = $4, finished_at = now() WHERE id = $1 AND status = 'running'`,
    [runId, status, JSON.stringify(summary), reason ?? null],
  );
}

/** The mode the freeze chose, and why a run is full (`changed settings`: it removes nothing). */
export async function recordRunMode(db: Db, runId: string, mode: SyncMode, fullBecause: string | undefined): Promise<void> {
  await db.query('UPDATE runs SET mode = $2, full_because = $3 WHERE id = $1', [runId, mode, fullBecause ?? null]);
}

/**
 * What the freeze counted: profiles, those it found unchanged (not written as items), the removals
 * it held back by reason; and the run's first tally: profiles pending (a delivery to send), skipped
 * by reason (unchanged ones included), and, when it planned removals, none removed yet.
 */
export async function recordRunPlan(
  db: Db,
  runId: string,
  plan: {
    totalProfiles: number;
    unchangedProfiles: number;
    unchangedItems: number;
    /** Where each batch's items start (seq), then one past the last pending item: read by readBatches. */
    batchStarts?: number[] | null;
    removalsHeld?: Record<string, number>;
    frozen: { pending: number; skipped: Record<string, number>; removals: number };
  },
): Promise<void> {
  const { pending, skipped, removals } = plan.frozen;
  const tally: Tally = { exported: 0, pending, ...(removals > 0 && { removed: 0 }) };
  for (const [reason, n] of Object.entries(skipped)) if (n > 0) tally[`skipped:${reason}`] = n;
  await db.query(
    'UPDATE runs SET total_profiles = $2, unchanged_profiles = $3, unchanged_items = $4, removals_held = $5, tally = $6, batch_starts = $7::int[] WHERE id = $1',
    [
      runId,
      plan.totalProfiles,
      plan.unchangedProfiles,
      plan.unchangedItems,
      plan.removalsHeld ? JSON.stringify(plan.removalsHeld) : null,
      JSON.stringify(tally),
      plan.batchStarts ?? null,
    ],
  );
}

/**
 * A run's counts as kept while it goes (see the migration of runs.tally): profiles by outcome,
 * flat — `exported`, `pending`, `rejected:<reason>`, `skipped:<reason>` — and `removed`
 * memberships. The freeze writes the first; each recorded batch moves profiles between them
 * (store/batches.ts), each recorded removal adds to `removed` (store/removals.ts).
 */
export type Tally = Record<string, number>;

/** The counts a tally stands for: what countOutcomes would compute from the run's items, read from one row. */
export function countsFromTally(tally: Tally): RunCounts {
  const counts: RunCounts = { total: 0, exported: 0, pending: 0, skipped: {}, rejected: {} };
  for (const [key, n] of Object.entries(tally)) {
    if (key === 'removed') {
      counts.removed = n;
      continue;
    }
    counts.total += n;
    if (key === 'exported' || key === 'pending') counts[key] += n;
    else if (n !== 0) {
      const [status, reason] = [key.slice(0, key.indexOf(':')) as 'skipped' | 'rejected', key.slice(key.indexOf(':') + 1)];
      counts[status][reason] = n;
    }
  }
  return counts;
}

/** The run's kept counts; undefined for a run planned before they were kept (or not planned yet). */
export async function keptCounts(db: Db, runId: string): Promise<RunCounts | undefined> {
  const [row] = await db.query<{ tally: Tally | null }>('SELECT tally FROM runs WHERE id = $1', [runId]);
  return row?.tally ? countsFromTally(row.tally) : undefined;
}

/**
 * Inside the transaction that records a batch on a store of several connections: takes the run's
 * row first, so that the batches of one run are recorded one at a time (each then reads what the
 * others recorded of their shared profiles, and moves each profile once).
 */
export async function lockRunTally(tx: Db, runId: string): Promise<void> {
  await tx.query('SELECT FROM runs WHERE id = $1 FOR NO KEY UPDATE', [runId]);
}

/**
 * The part of a batch's record (store/batches.ts) that moves profiles between outcomes in the
 * run's tally: `moves` names a relation of (key, n), n negative for profiles leaving an outcome.
 * An outcome emptied of its reasons goes; exported and pending stay at 0.
 */
export const moveInTallySql = (runIdParam: string, moves: string) => `UPDATE runs r SET tally = (
    SELECT jsonb_object_agg(key, n) FROM (
      SELECT key, sum(n)::int AS n FROM (SELECT key, value::int AS n FROM jsonb_each_text(r.tally) UNION ALL SELECT key, n FROM ${moves}) u
      GROUP BY key HAVING sum(n) <> 0 OR key NOT LIKE '%:%'
    ) t)
  WHERE r.id = ${runIdParam} AND r.tally IS NOT NULL AND EXISTS (SELECT FROM ${moves})`;

/** Counts memberships removed (in the statement's own transaction: a concurrent update is read again, not lost). */
export async function addRemoved(tx: Db, runId: string, removed: number): Promise<void> {
  if (removed === 0) return;
  await tx.query(
    `UPDATE runs SET tally = jsonb_set(tally, '{removed}', to_jsonb(coalesce((tally->>'removed')::int, 0) + $2)) WHERE id = $1 AND tally IS NOT NULL`,
    [runId, removed],
  );
}

/** Removals that turned out not to be made, by reason (removals_held, as the freeze first wrote it). */
export async function addRemovalsHeld(tx: Db, runId: string, reason: string, n: number): Promise<void> {
  if (n === 0) return;
  await tx.query(
    `UPDATE runs SET removals_held = jsonb_set(coalesce(removals_held, '{}'), ARRAY[$2::text], to_jsonb(coalesce((removals_held->>$2::text)::int, 0) + $3::int)) WHERE id = $1`,
    [runId, reason, n],
  );
}

/** The lists whose removals wait for an admin (none: null); a retried freeze replaces it. */
export async function recordRemovalGate(db: Db, runId: string, gate: RemovalGateRecord | null): Promise<void> {
  await db.query('UPDATE runs SET removal_gate = $2 WHERE id = $1', [runId, gate && JSON.stringify(gate)]);
}

/** Notes who let a gated run remove what it planned (the workflow is what lets it). */
export async function recordRemovalApproval(db: Db, runId: string, by: string): Promise<void> {
  await db.query(
    `UPDATE runs SET removal_gate = removal_gate || jsonb_build_object('approvedBy', $2::text, 'approvedAt', now())
     WHERE id = $1 AND removal_gate IS NOT NULL`,
    [runId, by],
  );
}

/** Retention: the run's per-profile details are gone, its summary stays. */
export async function markDetailsPurged(db: Db, runId: string): Promise<void> {
  await db.query('UPDATE runs SET details_purged_at = now() WHERE id = $1', [runId]);
}

/** Retention: a run of a deleted export goes entirely. */
export async function deleteRun(db: Db, runId: string): Promise<void> {
  await db.query('DELETE FROM runs WHERE id = $1', [runId]);
}

/**
 * A scheduled trigger that started nothing, recorded as a run of its own so the export's history
 * shows it: the record its schedule opened (no workflow began it), or a new one.
 */
export async function recordSkippedRun(db: Db, run: RunRecord & { reason: string }): Promise<void> {
  await db.query(
    `INSERT INTO runs (id, export_id, workflow_id, trigger, triggered_by, status, total_profiles, error, finished_at)
     VALUES ($1, $2, $3, $4, $5, 'skipped', 0, $6, now())
     ON CONFLICT (id) DO UPDATE SET status = 'skipped', total_profiles = 0, error = excluded.error, finished_at = now()
     WHERE runs.status = 'running' AND runs.workflow_run_id IS NULL`,
    [run.runId, run.exportId, run.workflowId, run.trigger.kind, run.trigger.by ?? null, run.reason],
  );
}
