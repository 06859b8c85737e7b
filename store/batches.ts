import type { Db } from './db';
import { lockRunTally, moveInTallySql } from './runs';
import { contentHashSql } from './sync';

/** A run's batches: read what the freeze numbered, record what the destination answered. */

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
     WHERE i.run_id = $1 AND i.batch_no BETWEEN $2 AND $3 AND ${batchSeqs('$1', '$2::int', '$3::int')} ORDER BY i.batch_no, i.seq`,
    [runId, firstBatch, firstBatch + count - 1],
  );
}

/**
 * The seq range that holds batches `first`..`last` of a run (SQL; `run`, `first`, `last` are
 * parameters): from the first's start to the next one's, as the freeze kept them in
 * runs.batch_starts, so the items are read through the primary key. A run planned before starts
 * were kept has the whole range, and its items are found by batch number among all of them.
 */
const batchSeqs = (run: string, first: string, last: string) =>
  `i.seq >= coalesce((SELECT batch_starts[${first} + 1] FROM runs WHERE id = ${run}), 0) AND i.seq < coalesce((SELECT batch_starts[${last} + 2] FROM runs WHERE id = ${run}), 2147483647)`;

export interface ItemOutcome {
  seq: number;
  status: 'exported' | 'rejected';
  reason?: string;
}

/**
 * Records a sent batch in one statement: the batch as a whole, each item Autopilot rejected with
 * its reason (every other item of the batch counts as exported, see run_item_status), the
 * export's sync state of every delivery in it, and what the batch changed of its profiles'
 * outcomes, for the run's tally. Committed together, the sync state can never claim a delivery
 * the batch record does not, nor the tally count one twice. A batch recorded already changes
 * nothing.
 *
 * Sync state: an exported delivery keeps its content hash, and its rejections in a row start
 * again from 0; a rejected one keeps the hash of what was last exported and counts one more run
 * that refused it (once per run, whatever retries happened).
 *
 * Tally (profile-level, as countOutcomes): a profile with one delivery to send goes from pending
 * to exported or rejected with its batch; one with several (run_profile_pending) stays pending
 * until its last is recorded, and is rejected from its first refusal, for the least reason given.
 * On PostgreSQL the run's row is taken first (lockRunTally): a run's batches are recorded one at a
 * time, so each reads what is left of its profiles after the others. The embedded store runs one
 * statement at a time already: there it is one statement, one round trip to its thread.
 */
export async function recordSentBatch(db: Db, runId: string, batchNo: number, outcomes: ItemOutcome[], lists: Record<string, string>): Promise<void> {
  const rejected = outcomes.filter((o) => o.status === 'rejected');
  const params = [runId, batchNo, rejected.map((o) => o.seq), rejected.map((o) => o.reason ?? null), Object.keys(lists), Object.values(lists)];
  const sql = rejected.length > 0 ? RECORD_WITH_REFUSALS : RECORD;
  if (db.oneAtATime) {
    await db.query(sql, params);
    return;
  }
  await db.transaction(async (tx) => {
    await lockRunTally(tx, runId);
    await tx.query(sql, params);
  });
}

/**
 * The items the destination refused, marked so (only by the batch's first record: a retry that got
 * other answers changes nothing). `seq = ANY` lets the planner look the items up by key: joined to
 * unnest() alone, it may scan every run's items once the table's statistics know only other runs.
 * Left out of a batch with no refusal: given no seq, the planner takes `seq = ANY('{}')` for false
 * and may walk every skipped item of the run in the partial index (15,000 at 100,000 profiles).
 */
const rejectedSql = `, rejected AS (
  UPDATE run_items i SET status = 'rejected', reason = o.reason
  FROM refused o
  WHERE i.run_id = $1 AND i.seq = ANY($3::int[]) AND i.seq = o.seq AND EXISTS (SELECT FROM batch)
)`;

const recordSql = (refusals: boolean) => `
WITH refused AS (
  SELECT * FROM unnest($3::int[], $4::text[]) AS o(seq, reason)
), batch AS (
  INSERT INTO run_batches (run_id, batch_no) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING batch_no
)${refusals ? rejectedSql : ''}, items AS MATERIALIZED (
  -- The batch's deliveries, with what is left of their profiles' (none when the batch was recorded already).
  SELECT i.seq, i.profile_id, i.segment_id, o.seq IS NOT NULL AS refused, o.reason,
    p.profile_id IS NOT NULL AS shared, p.pending AS to_record, p.refused AS was_refused, p.reason AS was_reason, p.parked
  FROM run_items i
  LEFT JOIN refused o ON o.seq = i.seq
  LEFT JOIN run_profile_pending p ON p.run_id = i.run_id AND p.profile_id = i.profile_id
  WHERE i.run_id = $1 AND i.batch_no = $2 AND ${batchSeqs('$1', '$2::int', '$2::int')} AND i.status = 'pending' AND EXISTS (SELECT FROM batch)
), outcomes AS (
  -- Each profile's outcome before and after the batch (least() passes over nulls, as min() does).
  SELECT CASE WHEN was_refused THEN 'rejected:' || coalesce(was_reason, parked, 'unknown') ELSE 'pending' END AS was,
    CASE WHEN refused OR was_refused THEN 'rejected:' || coalesce(CASE WHEN refused THEN least(was_reason, reason) ELSE was_reason END, parked, 'unknown')
      WHEN shared AND to_record > 1 THEN 'pending'
      ELSE 'exported' END AS now
  FROM items
), left_over AS (
  UPDATE run_profile_pending p SET pending = p.pending - 1, refused = p.refused OR it.refused,
    reason = CASE WHEN it.refused THEN least(p.reason, it.reason) ELSE p.reason END
  FROM items it WHERE it.shared AND p.run_id = $1 AND p.profile_id = it.profile_id
), delivered AS (
  SELECT r.export_id, i.segment_id, l.list_id, f.email, f.fields, i.refused, i.reason
  FROM items i
  -- The export, not only the run: a batch in flight as its export is deleted records no sync state
  -- (and one that races the delete fails its key check, and is retried, finding no export).
  JOIN runs r ON r.id = $1
  JOIN exports e ON e.id = r.export_id
  JOIN run_profiles f ON f.run_id = $1 AND f.profile_id = i.profile_id
  JOIN unnest($5::text[], $6::text[]) AS l(segment_id, list_id) ON l.segment_id = i.segment_id
), synced AS (
  INSERT INTO sync_state AS y (export_id, email_key, segment_id, list_id, email, content_hash, status, reason, rejected_runs, run_id)
  SELECT export_id, lower(email), segment_id, list_id, email,
    CASE WHEN refused THEN NULL ELSE ${contentHashSql('email', 'fields')} END,
    CASE WHEN refused THEN 'rejected' ELSE 'exported' END, reason, CASE WHEN refused THEN 1 ELSE 0 END, $1
  FROM delivered
  ON CONFLICT (export_id, segment_id, email_key) DO UPDATE SET
    list_id = excluded.list_id,
    email = excluded.email,
    content_hash = CASE WHEN excluded.status = 'exported' THEN excluded.content_hash ELSE y.content_hash END,
    status = excluded.status,
    reason = excluded.reason,
    rejected_runs = CASE WHEN excluded.status = 'exported' THEN 0 WHEN y.run_id = excluded.run_id THEN y.rejected_runs ELSE y.rejected_runs + 1 END,
    run_id = excluded.run_id,
    updated_at = now()
), moves AS (
  SELECT key, sum(n)::int AS n FROM (
    SELECT was AS key, -1 AS n FROM outcomes WHERE was <> now
    UNION ALL
    SELECT now, 1 FROM outcomes WHERE was <> now
  ) m GROUP BY key
)
${moveInTallySql('$1', 'moves')}`;
const RECORD = recordSql(false);
const RECORD_WITH_REFUSALS = recordSql(true);
