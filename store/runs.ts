import type { Db } from './db';
import { SkipReason, type RunCounts, type RunTrigger } from '../domain/export';
import type { ClosedStatus } from '../domain/run-status';

/** The run record: opened when a run starts, closed with its counts; and those counts. */

export interface RunRecord {
  runId: string;
  exportId: string;
  workflowId: string;
  trigger: RunTrigger;
}

/** What the API knows of a run it starts, before the workflow plans it (the freeze records them too). */
export interface RunKind {
  dryRun?: boolean;
  redriveOf?: string;
}

/** Records a run as going; whichever of the API and the workflow comes second changes nothing but what only the API knew. */
export async function openRun(db: Db, run: RunRecord & RunKind): Promise<void> {
  await db.query(
    `INSERT INTO runs (id, export_id, workflow_id, trigger, triggered_by, status, dry_run, redrive_of)
     VALUES ($1, $2, $3, $4, $5, 'running', coalesce($6, false), $7)
     ON CONFLICT (id) DO UPDATE SET dry_run = runs.dry_run OR coalesce($6, false), redrive_of = coalesce(runs.redrive_of, $7)`,
    [run.runId, run.exportId, run.workflowId, run.trigger.kind, run.trigger.by ?? null, run.dryRun ?? null, run.redriveOf ?? null],
  );
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
export async function closeRun(db: Db, runId: string, status: ClosedStatus, summary: RunCounts, reason?: string, dryRun?: boolean): Promise<void> {
  await db.query(
    `UPDATE runs SET status = $2, summary = $3, error = $4, finished_at = now(), dry_run = dry_run OR $5
     WHERE id = $1 AND status = 'running'`,
    [runId, status, JSON.stringify(summary), reason ?? null, dryRun === true],
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
