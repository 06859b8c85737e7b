import type { Db } from './db';
import type { RunCounts } from '../domain/export';

/** Read-only queries behind the API's run endpoints; the workflow's activities own the writes (store/runs.ts). */

export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out' | 'skipped';

export interface RunRow {
  id: string;
  exportId: string;
  workflowId: string;
  trigger: 'manual' | 'schedule';
  triggeredBy: string | null;
  status: RunStatus;
  totalProfiles: number | null;
  /** Profile-level counts, written when the run closes. */
  summary: RunCounts | null;
  /** Why it did not complete: failed, cancelled, terminated, timed out or skipped. */
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

const COLUMNS = `id, export_id AS "exportId", workflow_id AS "workflowId", trigger, triggered_by AS "triggeredBy",
  status, total_profiles AS "totalProfiles", summary, error, started_at AS "startedAt", finished_at AS "finishedAt"`;

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

/** The newest run of the export still marked running. */
export async function findRunningRun(db: Db, exportId: string): Promise<RunRow | undefined> {
  const [row] = await db.query<RunRow>(
    `SELECT ${COLUMNS} FROM runs WHERE export_id = $1 AND status = 'running' ORDER BY started_at DESC LIMIT 1`,
    [exportId],
  );
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
 * One row per profile (a profile in several segments has several items); a profile with any
 * rejected item counts as rejected, as in `countOutcomes`. Keyset-paginated by profile id. The
 * values are those the run froze, whatever the profile or the export's mapping became since.
 */
export async function listOutcomes(db: Db, q: OutcomeQuery): Promise<OutcomeRow[]> {
  return db.query<OutcomeRow>(
    `WITH per_profile AS (
       SELECT profile_id,
         CASE WHEN bool_or(status = 'rejected') THEN 'rejected' ELSE 'skipped' END AS status,
         min(reason) FILTER (WHERE status IN ('rejected', 'skipped')) AS reason
       FROM run_items
       WHERE run_id = $1 AND status IN ('rejected', 'skipped') AND ($3::text IS NULL OR profile_id > $3)
       GROUP BY profile_id
     )
     SELECT o.profile_id AS "profileId", f.email, o.status, o.reason, f.sent_as AS "sentAs"
     FROM per_profile o LEFT JOIN run_profiles f ON f.run_id = $1 AND f.profile_id = o.profile_id
     WHERE o.status = ANY($2::text[])
     ORDER BY o.profile_id LIMIT $4`,
    [q.runId, q.statuses, q.afterProfileId ?? null, q.limit],
  );
}

/** Runs still marked running, oldest first: what reconciliation with Temporal looks at. */
export async function listOpenRuns(db: Db, limit: number): Promise<RunRow[]> {
  return db.query<RunRow>(`SELECT ${COLUMNS} FROM runs WHERE status = 'running' ORDER BY started_at LIMIT $1`, [limit]);
}
