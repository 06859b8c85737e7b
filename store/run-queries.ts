import type { Db } from './db';
import { SkipReason, type RunCounts, type SyncMode } from '../domain/export';
import { isCutShort, type RunStatus } from '../domain/run-status';
import type { Tally } from './runs';

/** Read-only queries behind the API's run endpoints; the workflow's activities own the writes (store/runs.ts). */

export interface RunRow {
  id: string;
  exportId: string;
  workflowId: string;
  /** The workflow execution the run began in; null until its workflow has begun (and for skipped triggers). */
  workflowRunId: string | null;
  trigger: 'manual' | 'schedule';
  triggeredBy: string | null;
  status: RunStatus;
  totalProfiles: number | null;
  /** Profile-level counts, written when the run closes. */
  summary: RunCounts | null;
  /** The same counts as kept while the run goes (see countsFromTally); null for runs planned before they were kept. */
  tally: Tally | null;
  /** Why it did not complete: failed, cancelled, terminated, timed out or skipped. */
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  /** The sync mode it was planned in; null before it was planned (and for runs from before sync modes). */
  mode: SyncMode | null;
  /** Planned and reported only, nothing sent. */
  dryRun: boolean;
  /** The run whose rejected, parked or unsent profiles this one sends again. */
  redriveOf: string | null;
}

const COLUMNS = `id, export_id AS "exportId", workflow_id AS "workflowId", workflow_run_id AS "workflowRunId", trigger, triggered_by AS "triggeredBy",
  status, total_profiles AS "totalProfiles", summary, error, started_at AS "startedAt", finished_at AS "finishedAt",
  mode, dry_run AS "dryRun", redrive_of AS "redriveOf", tally`;

export async function getRun(db: Db, runId: string): Promise<RunRow | undefined> {
  const [row] = await db.query<RunRow>(`SELECT ${COLUMNS} FROM runs WHERE id = $1`, [runId]);
  return row;
}

/** Newest first. */
export async function listRuns(db: Db, exportId: string, limit: number): Promise<RunRow[]> {
  return db.query<RunRow>(`SELECT ${COLUMNS} FROM runs WHERE export_id = $1 ORDER BY started_at DESC, id LIMIT $2`, [
    exportId,
    limit,
  ]);
}

/** The newest run of the export still marked running, other than `except` (a run being started). */
export async function findRunningRun(db: Db, exportId: string, except?: string): Promise<RunRow | undefined> {
  const [row] = await db.query<RunRow>(
    `SELECT ${COLUMNS} FROM runs WHERE export_id = $1 AND status = 'running' AND id IS DISTINCT FROM $2 ORDER BY started_at DESC LIMIT 1`,
    [exportId, except ?? null],
  );
  return row;
}

/** The run that began in this workflow execution. */
export async function findRunByWorkflowRun(db: Db, workflowRunId: string): Promise<RunRow | undefined> {
  const [row] = await db.query<RunRow>(`SELECT ${COLUMNS} FROM runs WHERE workflow_run_id = $1`, [workflowRunId]);
  return row;
}

export type OutcomeStatus = 'rejected' | 'skipped';

export interface OutcomeRow {
  profileId: string;
  /** The email the run classified (trimmed), as it read it when it planned; null when there was none. */
  email: string | null;
  status: OutcomeStatus;
  reason: string | null;
  /** For a duplicate email: the profile sent in this one's place. */
  sentAs: string | null;
}

export interface OutcomeQuery {
  runId: string;
  statuses: OutcomeStatus[];
  limit: number;
  /** Keyset: only profiles whose id sorts after this one. */
  afterProfileId?: string;
}

/**
 * One row per profile (a profile in several segments has several items), classified as in
 * `countOutcomes`: rejected if any item was; skipped only if the run sends it nothing (a profile
 * with one delivery unchanged and another sent counts as sent, and is not listed). Only profiles
 * the run sends keep their fields in run_profiles, which tells them apart without reading every
 * item. Keyset-paginated by profile id. The values are those the run froze, whatever the profile
 * or the export's mapping became since.
 */
export async function listOutcomes(db: Db, q: OutcomeQuery): Promise<OutcomeRow[]> {
  return db.query<OutcomeRow>(
    `WITH per_profile AS (
       SELECT profile_id,
         CASE WHEN bool_or(status = 'rejected') THEN 'rejected' ELSE 'skipped' END AS status,
         coalesce(min(reason) FILTER (WHERE status = 'rejected'), min(reason)) AS reason
       FROM run_items
       WHERE run_id = $1 AND status IN ('rejected', 'skipped') AND ($3::text IS NULL OR profile_id > $3)
       GROUP BY profile_id
     )
     SELECT o.profile_id AS "profileId", f.email, o.status, o.reason, f.sent_as AS "sentAs"
     FROM per_profile o LEFT JOIN run_profiles f ON f.run_id = $1 AND f.profile_id = o.profile_id
     WHERE o.status = ANY($2::text[]) AND (o.status = 'rejected' OR f.fields IS NULL)
     ORDER BY o.profile_id LIMIT $4`,
    [q.runId, q.statuses, q.afterProfileId ?? null, q.limit],
  );
}

/** Runs still marked running, oldest first: what reconciliation with Temporal looks at. */
export async function listOpenRuns(db: Db, limit: number): Promise<RunRow[]> {
  return db.query<RunRow>(`SELECT ${COLUMNS} FROM runs WHERE status = 'running' ORDER BY started_at LIMIT $1`, [limit]);
}

/** One delivery a plan decided on, as an example: the email as the run read it, and the segment's list. */
export interface PlanExample {
  profileId: string;
  email: string | null;
  segmentId: string;
}

/** What a run planned, per (profile, segment) item: what it sends (added or updated), leaves as it is, removes, skips. */
export interface RunPlanView {
  toAdd: number;
  toUpdate: number;
  unchanged: number;
  toRemove: number;
  /** Memberships that left but are not removed, by reason (see RemovalHeld): empty when none were held back. */
  removalsHeld: Record<string, number>;
  /** Other skipped items by reason (unchanged ones are counted above). */
  skipped: Record<string, number>;
  /** Up to {@link PLAN_EXAMPLES} of each: toAdd, toUpdate, unchanged, toRemove, and each skip reason. */
  examples: Record<string, PlanExample[]>;
}

export const PLAN_EXAMPLES = 20;

/**
 * A run's plan from its frozen items (one pass over them, examples picked in the same pass) and
 * its removals. A pending item sent since still counts as planned: the plan is what the run
 * decided when it froze.
 */
export async function readRunPlan(db: Db, runId: string): Promise<RunPlanView> {
  const rows = await db.query<{ category: string; n: number; examples: PlanExample[] | null }>(
    `WITH items AS (
       SELECT i.profile_id, i.segment_id, i.seq,
         CASE WHEN i.status = 'unchanged' THEN 'unchanged'
              WHEN i.status = 'skipped' THEN 'skipped:' || coalesce(i.reason, 'unknown')
              WHEN i.change = 'update' THEN 'toUpdate'
              ELSE 'toAdd' END AS category
       FROM run_items i WHERE i.run_id = $1
     ), ranked AS (
       SELECT *, row_number() OVER (PARTITION BY category ORDER BY seq) AS k FROM items
     )
     SELECT r.category, count(*)::int AS n,
       jsonb_agg(jsonb_build_object('profileId', r.profile_id, 'email', f.email, 'segmentId', r.segment_id) ORDER BY r.seq)
         FILTER (WHERE r.k <= $2) AS examples
     FROM ranked r LEFT JOIN run_profiles f ON f.run_id = $1 AND f.profile_id = r.profile_id AND r.k <= $2
     GROUP BY r.category`,
    [runId, PLAN_EXAMPLES],
  );
  // Unchanged deliveries are counted by the freeze; only their examples are items.
  const removals = await db.query<{ n: number; unchanged: number; held: Record<string, number> | null; examples: PlanExample[] | null }>(
    `SELECT (SELECT count(*)::int FROM run_removals WHERE run_id = $1) AS n,
       (SELECT unchanged_items FROM runs WHERE id = $1) AS unchanged,
       (SELECT removals_held FROM runs WHERE id = $1) AS held,
       (SELECT jsonb_agg(jsonb_build_object('profileId', NULL, 'email', email, 'segmentId', segment_id) ORDER BY seq)
        FROM (SELECT email, segment_id, seq FROM run_removals WHERE run_id = $1 ORDER BY seq LIMIT $2) r) AS examples`,
    [runId, PLAN_EXAMPLES],
  );
  const plan: RunPlanView = { toAdd: 0, toUpdate: 0, unchanged: 0, toRemove: removals[0].n, removalsHeld: removals[0].held ?? {}, skipped: {}, examples: {} };
  if (removals[0].n > 0) plan.examples.toRemove = removals[0].examples ?? [];
  for (const { category, n, examples } of rows) {
    const reason = category.startsWith('skipped:') ? category.slice('skipped:'.length) : undefined;
    if (reason !== undefined) plan.skipped[reason] = n;
    else plan[category as 'toAdd' | 'toUpdate' | 'unchanged'] = n;
    plan.examples[reason ?? category] = examples ?? [];
  }
  plan.unchanged = Math.max(plan.unchanged, removals[0].unchanged ?? 0);
  return plan;
}

/**
 * (profile, segment) items a re-drive of the run would choose: rejected, parked and, if the run was
 * cut short, never sent. Zero: there is nothing to re-drive.
 */
export async function countRedrivable(db: Db, run: Pick<RunRow, 'id' | 'status'>): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM run_item_status
     WHERE run_id = $1 AND (status = 'rejected' OR (status = 'skipped' AND reason = $2) OR (status = 'pending' AND $3))`,
    [run.id, SkipReason.REJECTED_BEFORE, isCutShort(run.status)],
  );
  return row.n;
}
