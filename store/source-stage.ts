import type { Db } from './db';

/**
 * What a run reading an external profile source (Dataverse) stages, page by page, before it
 * freezes: each segment's members (run_source_members) and each member's mapped attributes
 * (run_source_profiles). Every write is INSERT … ON CONFLICT DO NOTHING, so a page read again (a
 * retried or resumed activity) stages nothing twice. The freeze (store/runs.ts) reads these rows.
 */
export interface StagedProfile {
  id: string;
  /** Keyed by the names the export's mapping uses. */
  attributes: Record<string, unknown>;
}

/** The ids among `ids` whose attributes the run has not staged yet (in no particular order). */
export async function unstagedProfileIds(db: Db, runId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<{ id: string }>(
    `SELECT t.id FROM unnest($2::text[]) AS t(id)
     WHERE NOT EXISTS (SELECT 1 FROM run_source_profiles p WHERE p.run_id = $1 AND p.profile_id = t.id)`,
    [runId, [...new Set(ids)]],
  );
  return rows.map((r) => r.id);
}

/** Stages one page in one transaction: its profiles' attributes, then the segment's members. */
export async function stagePage(db: Db, runId: string, segmentId: string, memberIds: string[], profiles: StagedProfile[]): Promise<void> {
  await db.transaction(async (tx) => {
    if (profiles.length > 0) {
      await tx.query(
        `INSERT INTO run_source_profiles (run_id, profile_id, attributes)
         SELECT $1, p->>'id', p->'attributes' FROM jsonb_array_elements($2::jsonb) AS p
         ON CONFLICT DO NOTHING`,
        [runId, jsonbText(profiles)],
      );
    }
    if (memberIds.length > 0) {
      await tx.query(
        `INSERT INTO run_source_members (run_id, segment_id, profile_id)
         SELECT $1, $2, id FROM unnest($3::text[]) AS t(id)
         ON CONFLICT DO NOTHING`,
        [runId, segmentId, [...new Set(memberIds)]],
      );
    }
  });
}

/**
 * Refreshes the planner's statistics of the stage. Tables that just took thousands of rows look empty
 * to the planner until autovacuum samples them, and the freeze's plan for "empty" tables is a nested
 * loop: 12,000 staged members froze in 46 s instead of 0.4 s on PostgreSQL. ANALYZE samples a bounded
 * number of rows, however large the stage grows.
 */
export async function analyzeStage(db: Db): Promise<void> {
  await db.query('ANALYZE run_source_members, run_source_profiles');
}

/** Members and profiles a run has staged so far (tests, diagnostics). */
export async function stagedCounts(db: Db, runId: string): Promise<{ members: number; profiles: number }> {
  const [row] = await db.query<{ members: number; profiles: number }>(
    `SELECT (SELECT count(*) FROM run_source_members WHERE run_id = $1)::int AS members,
            (SELECT count(*) FROM run_source_profiles WHERE run_id = $1)::int AS profiles`,
    [runId],
  );
  return row;
}

/** JSON that jsonb accepts: PostgreSQL text cannot hold NUL, so a remote's NUL characters are dropped. */
function jsonbText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? v.replace(/\0/g, '') : v));
}
