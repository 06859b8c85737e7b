import type { DestinationKind } from '../destinations/port';
import type { Db } from './db';
import {
  EMAIL_PATTERN,
  PARK_AFTER_REJECTED_RUNS,
  RemovalHeld,
  SkipReason,
  type ExportSettings,
  type RemovalGateList,
  type SyncMode,
} from '../domain/export';
import { gateRemovals } from './removals';
import { isCutShort } from '../domain/run-status';
import { recordRunPlan } from './runs';
import { sqlParams } from './sql-params';
import { contentHashSql, hasSyncState, resolveRunMode, type FullBecause } from './sync';

/** The freeze: a run's membership, classified and numbered into batches, in one set-based statement. */

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

/** A plan as the freeze made it: with the mode it chose and the removals it held back, for the log (the workflow needs neither). */
export type FrozenPlan = RunPlan & { mode: SyncMode; fullBecause?: FullBecause; removalsHeld?: Record<string, number> };

/**
 * Freezes the run in one statement (one snapshot of the store): each profile's email and mapped
 * contact fields (run_profiles), and one item per (profile, chosen segment), classified once.
 * Profiles are ranked by id, so the limit, "first N" and duplicate-email choices are stable.
 *
 * Profiles that share an email (trimmed, case-insensitive) are one Autopilot contact: the lowest
 * profile id is sent, on the list of every segment any of them is in; the others are skipped as
 * duplicates, naming the profile sent in their place. So a sendable item is one (email, segment)
 * delivery, and a batch, which never spans two segments, never carries an email twice.
 * Incremental runs send only deliveries that are new, changed or not delivered last time (see
 * the sync state, store/sync.ts); the rest are skipped as unchanged or, refused run after run,
 * parked. A re-drive chooses only what the run it re-drives did not deliver, and sends it whatever
 * the sync state says. The mode is decided in the same transaction (resolveRunMode).
 * Idempotent: a retried snapshot replaces the previous attempt's rows.
 */
export async function snapshotRun(db: Db, runId: string, s: ExportSettings, shape: ContactShape, lists?: Record<string, string>): Promise<FrozenPlan> {
  const mapped = mappedFields(s.mapping, shape);
  return db.transaction(async (tx) => {
    const { mode, why } = await resolveRunMode(tx, runId, s);
    for (const table of ['run_items', 'run_batches', 'run_profiles', 'run_removals', 'run_profile_pending']) await tx.query(`DELETE FROM ${table} WHERE run_id = $1`, [runId]);
    // The statement's sorts and hashes (100,000 profiles: about 20 MB each) in memory, not in temporary files.
    await tx.query(`SET LOCAL work_mem = '${SNAPSHOT_WORK_MEM}'`);
    // Hashes, not sorts, merge joins or a lookup per row: the planner cannot count the rows of the
    // statement's CTEs and, guessing a few hundred, would sort 100,000 rows to group them or look
    // each profile up by key. Sorts stay where only a sort will do (numbering the items).
    for (const method of ['enable_sort', 'enable_mergejoin', 'enable_nestloop']) await tx.query(`SET LOCAL ${method} = off`);
    // Below the activity's timeout: an attempt that timed out must not keep the run's row locked
    // against its retry (retries queued behind a runaway statement, each holding a connection).
    await tx.query(`SET LOCAL statement_timeout = '${SNAPSHOT_TIMEOUT}'`);
    const redrive = s.redriveOf ? await redriveScope(tx, s.redriveOf) : undefined;
    const departed = departedMemberships(s, why, redrive !== undefined);
    const sql = snapshotSql(mapped.length, {
      source: s.source === 'dataverse' ? STAGED : STORE,
      redrive: redrive !== undefined,
      ranked: s.onLimitExceeded === 'send_first',
      departed,
      compared: mode === 'incremental' && (await hasSyncState(tx, s.exportId)),
      shared: s.segmentIds.length > 1,
    });
    const [{ unchangedItems, unchangedProfiles, heldShared, heldChanged, pendingProfiles, parkedProfiles, skippedProfiles, batchStarts, ...plan }] = await tx.query<FreezeRow>(
      sql,
      freezeParams(runId, s, shape, mode, lists, redrive),
    );
    const held = removalsHeld(s.removeWhenLeaving === true ? heldChanged : 0, heldShared);
    const frozen: FrozenPlan = { ...plan, mode, ...(why && { fullBecause: why }), ...(held && { removalsHeld: held }) };
    // The gate over what the statement planned to remove (store/removals.ts).
    const gated = departed === 'remove' ? { ...frozen, ...(await gateRemovals(tx, runId, s)) } : frozen;
    // The run's first tally, profile by profile as countOutcomes classifies them (see the statement's last columns).
    const skipped = { ...skippedProfiles, [SkipReason.REJECTED_BEFORE]: parkedProfiles, [SkipReason.UNCHANGED]: unchangedProfiles };
    await recordRunPlan(tx, runId, {
      totalProfiles: plan.totalProfiles,
      unchangedProfiles,
      unchangedItems,
      batchStarts,
      removalsHeld: held,
      frozen: { pending: pendingProfiles, skipped, removals: gated.removals ?? 0 },
    });
    return gated;
  });
}

/** The freeze's one row: the plan, and what it counted for the run's record. */
type FreezeRow = RunPlan & {
  unchangedItems: number;
  unchangedProfiles: number;
  heldShared: number;
  heldChanged: number;
  /** Profiles with a delivery to send. */
  pendingProfiles: number;
  /** Profiles whose every delivery is parked or unchanged, at least one parked. */
  parkedProfiles: number;
  /** Profiles skipped for a reason of their own (no, invalid or duplicate email, over the limit), by reason; null: none. */
  skippedProfiles: Record<string, number> | null;
  /** Where each batch's items start (seq), then one past the last pending item; null: no batch. */
  batchStarts: number[] | null;
};

/**
 * What the freeze does with memberships the export delivered whose profile is no longer in the
 * segment (or that its settings no longer make): see {@link SnapshotShape.departed}.
 * - Mirror mode removes them, but never after a change of mapping, segments or connection: then
 *   "left" may only mean "the settings changed", and removing would empty lists (a new email
 *   attribute makes every delivered email look gone). A re-drive sends a few profiles only: it
 *   must not take everyone else off the lists.
 * - After such a change, a real run releases them (in any mode): it forgets them, leaving them on
 *   their lists, so no later run removes them either. A dry run counts them and changes nothing.
 */
function departedMemberships(s: ExportSettings, why: FullBecause | undefined, redrive: boolean): SnapshotShape['departed'] {
  if (why === 'changed settings') return s.dryRun ? 'count' : 'release';
  return s.removeWhenLeaving === true && !redrive ? 'remove' : undefined;
}

/** Removals not planned, by reason; undefined when none were held back. */
function removalsHeld(changed: number, shared: number): Record<string, number> | undefined {
  const held = { [RemovalHeld.SETTINGS_CHANGED]: changed, [RemovalHeld.DELIVERED_BY_ANOTHER_EXPORT]: shared };
  const nonZero = Object.entries(held).filter(([, n]) => n > 0);
  return nonZero.length ? Object.fromEntries(nonZero) : undefined;
}

const SNAPSHOT_WORK_MEM = '32MB';
/** Less than planRun's start-to-close timeout (workflows/export-run.ts: one minute). */
const SNAPSHOT_TIMEOUT = '50s';

/** The freeze's parameters, by name (see {@link freezeValues}). */
const { $, values: freezeValues } = sqlParams([
  'runId', 'segmentIds', 'emailAttribute', 'sendLimit', 'noEmail', 'invalidEmail', 'emailPattern', 'overLimit', 'duplicateEmail', 'batchSize',
  'exportId', 'incremental', 'parkAfter', 'unchanged', 'rejectedBefore', 'unchangedExamples', 'segmentLists', 'fieldNames', 'fieldAttributes',
  'redriveOf', 'redriveWithPending',
] as const);

/**
 * What the freeze binds. `lists`: the export's lists as the destination holds them now (segment id →
 * list id, missing ones absent), or undefined for runs that did not look them up before the freeze.
 */
function freezeParams(
  runId: string,
  s: ExportSettings,
  shape: ContactShape,
  mode: SyncMode,
  lists: Record<string, string> | undefined,
  redrive: RedriveScope | undefined,
): unknown[] {
  const mapped = mappedFields(s.mapping, shape);
  return freezeValues({
    runId,
    segmentIds: s.segmentIds,
    emailAttribute: s.mapping.email,
    sendLimit: s.onLimitExceeded === 'send_first' ? s.profileLimit : 2 ** 31 - 1,
    noEmail: SkipReason.NO_EMAIL,
    invalidEmail: SkipReason.INVALID_EMAIL,
    emailPattern: EMAIL_PATTERN,
    overLimit: SkipReason.OVER_LIMIT,
    duplicateEmail: SkipReason.DUPLICATE_EMAIL,
    batchSize: shape.batchSize,
    exportId: s.exportId,
    incremental: mode === 'incremental',
    parkAfter: PARK_AFTER_REJECTED_RUNS,
    unchanged: SkipReason.UNCHANGED,
    rejectedBefore: SkipReason.REJECTED_BEFORE,
    unchangedExamples: UNCHANGED_EXAMPLES,
    segmentLists: lists ? s.segmentIds.map((id) => lists[id] ?? null) : null,
    fieldNames: mapped.map(([field]) => field),
    fieldAttributes: mapped.map(([, attribute]) => attribute),
    redriveOf: redrive?.runId ?? null,
    redriveWithPending: redrive?.withPending ?? false,
  });
}
/** Unchanged deliveries written as items, for the plan to show (the rest are only counted). */
export const UNCHANGED_EXAMPLES = 20;

type RedriveScope = { runId: string; withPending: boolean };

/** What a re-drive takes of the run it re-drives; a run that did not complete also gives what it never sent. */
async function redriveScope(tx: Db, runId: string): Promise<RedriveScope> {
  const [run] = await tx.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [runId]);
  return { runId, withPending: run !== undefined && isCutShort(run.status) };
}

/** How the destination takes contacts: its own names for first and last name, and contacts per batch. */
export type ContactShape = Pick<DestinationKind, 'nameFields' | 'batchSize'>;

/** (destination field, profile attribute) pairs in the order they apply: later ones win. */
function mappedFields(m: ExportSettings['mapping'], shape: ContactShape): [string, string][] {
  const standard: [string, string | undefined][] = [[shape.nameFields.firstName, m.firstName], [shape.nameFields.lastName, m.lastName]];
  return [...standard, ...Object.entries(m.fields ?? {})].filter((p): p is [string, string] => p[1] !== undefined);
}

/**
 * A profile's contact fields, from the mapping's (field, attribute) pairs (fieldNames and
 * fieldAttributes, by position): one `{field: value}` per attribute the profile has (neither JSON
 * null nor ""), concatenated in the mapping's order, so a later pair wins a field two pairs name.
 * The text is a fixed template repeated per pair; names and values are only ever parameters.
 */
function fieldsSql(pairs: number, attributes = 'p.attributes'): string {
  if (pairs === 0) return "'{}'::jsonb";
  const field = (i: number) => `(${$.fieldNames}::text[])[${i + 1}]`;
  const value = (i: number) => `${attributes}->(${$.fieldAttributes}::text[])[${i + 1}]`;
  const has = (i: number) => `${value(i)} NOT IN ('null'::jsonb, '""'::jsonb)`;
  const each = Array.from({ length: pairs }, (_, i) => `CASE WHEN ${has(i)} THEN jsonb_build_object(${field(i)}, ${value(i)}) ELSE '{}'::jsonb END`);
  // A profile with every mapped attribute (the usual one) in one object: jsonb keeps a repeated key's last value, as || does.
  const all = `jsonb_build_object(${Array.from({ length: pairs }, (_, i) => `${field(i)}, ${value(i)}`).join(', ')})`;
  return `CASE WHEN ${Array.from({ length: pairs }, (_, i) => has(i)).join(' AND ')} THEN ${all} ELSE ${["'{}'::jsonb", ...each].join(' || ')} END`;
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
  members: `(SELECT segment_id, profile_id FROM run_source_members WHERE run_id = ${$.runId})`,
  profiles: `(SELECT profile_id AS id, attributes FROM run_source_profiles WHERE run_id = ${$.runId})`,
};

/**
 * A re-drive chooses only the (profile, segment) items of the run it re-drives (redriveOf) that the destination
 * rejected, that were parked, or (redriveWithPending: the run was cut short) that were never sent.
 */
const redriveFilter = `
  WHERE (m.profile_id, m.segment_id) IN (
    SELECT profile_id, segment_id FROM run_item_status
    WHERE run_id = ${$.redriveOf} AND (status = 'rejected' OR (status = 'skipped' AND reason = ${$.rejectedBefore}) OR (status = 'pending' AND ${$.redriveWithPending}::boolean))
  )`;

/** What a freeze statement is made for, beyond the mapping's pairs. */
interface SnapshotShape {
  source: SnapshotSource;
  /** Choose only what a re-drive takes (its two parameters follow the pairs). */
  redrive: boolean;
  /** Rank profiles by id for `send_first`; otherwise nothing is over the limit (planRun refused it). */
  ranked: boolean;
  /**
   * Delivered memberships no profile of the run has any more: `remove` plans their removal (mirror
   * mode), `release` forgets them (the settings changed), `count` only counts them (a dry run of
   * such a run).
   */
  departed?: 'remove' | 'release' | 'count';
  /**
   * Compare each delivery with the sync state (incremental, and there is state). Otherwise every
   * delivery is sent, every profile has an item and every sender sends: what the freeze keeps of
   * profiles follows from keyed alone, without a pass over the planned deliveries.
   */
  compared: boolean;
  /**
   * Several segments: a profile may have more than one delivery to send, and its outcome then waits
   * for the last of them (run_profile_pending). With one segment, every profile has at most one.
   */
  shared: boolean;
}

/**
 * The freeze. Each pass reads the rows it needs once, and rows carried from pass to pass are
 * narrow (ids, email, skip reason, the small fields object). Sorted once, to number the items;
 * everything else is hashed (an email's sender, a sender's deliveries), so nothing is sorted that
 * the plan does not need in order.
 *
 * Each profile is read once (`profiled`): its email, its own reason to send nothing (no or invalid
 * email) and, when it has none, its contact fields. With `send_first`, the profiles past the first
 * `sendLimit` by id are over the limit; they are only looked for when there are more than that.
 * An email is sent as the lowest id of the sendable profiles that have it (`senders`).
 *
 * Each delivery is compared with the export's sync state (`incremental`: incremental): delivered last time
 * with the same content, to the list that is its segment's list now (`segmentLists`, by segment position;
 * a list deleted in Autopilot, or made again, is a new list), it is unchanged; refused by Autopilot in `parkAfter` runs in a row, it is parked.
 * What is left is pending and numbered into batches. Unchanged deliveries are counted, not
 * written (writing 100,000 rows would cost a refresh where nothing changed as much as a full
 * run), but for the first `unchangedExamples` of them, written as examples with status 'unchanged'. Only profiles
 * with a pending delivery keep their fields (the others send nothing).
 *
 * Mirror mode: a membership the engine delivered (sync state 'exported') whose email no profile of
 * the run has in that segment any more (sent, skipped or duplicate alike) is planned for removal,
 * numbered by segment (in the export's order), then email.
 */
const snapshotSql = (pairs: number, shape: SnapshotShape) => {
  // A profile's reason to send nothing of its own: no or invalid email (profiled), else over the limit.
  const skip = shape.ranked ? `coalesce(c.skip, CASE WHEN c.id IN (SELECT id FROM over) THEN ${$.overLimit} END)` : 'c.skip';
  return `
WITH typed AS (
  -- Never read: it gives every parameter its type, where this shape of the statement does not use it.
  SELECT ${$.fieldNames}::text[], ${$.fieldAttributes}::text[], ${$.redriveOf}::text, ${$.redriveWithPending}::boolean, ${$.sendLimit}::bigint, ${$.overLimit}::text,
    ${$.unchangedExamples}::int, ${$.parkAfter}::int, ${$.unchanged}::text, ${$.rejectedBefore}::text, ${$.incremental}::boolean
), chosen AS (
  SELECT m.profile_id, m.segment_id, s.pos
  FROM unnest(${$.segmentIds}::text[]) WITH ORDINALITY AS s(segment_id, pos)
  JOIN ${shape.source.members} m ON m.segment_id = s.segment_id${shape.redrive ? redriveFilter : ''}
), profiled AS MATERIALIZED (
  -- Materialized: each profile's fields are built once, here. The email, and then its reason to
  -- send nothing, are computed once each (OFFSET 0 keeps the subqueries from being folded into
  -- every expression that names them).
  SELECT id, email, email_key, skip, CASE WHEN skip IS NULL THEN ${fieldsSql(pairs, 'attributes')} END AS fields
  FROM (
    SELECT id, attributes, email, lower(email) AS email_key,
      CASE WHEN email IS NULL OR email = '' THEN ${$.noEmail} WHEN lower(email) !~ ${$.emailPattern} THEN ${$.invalidEmail} END AS skip
    FROM (
      SELECT p.id, p.attributes, btrim(p.attributes->>${$.emailAttribute}, E' \t\r\n') AS email
      FROM ${shape.source.profiles} p WHERE p.id IN (SELECT profile_id FROM chosen) OFFSET 0
    ) e OFFSET 0
  ) o
)${shape.ranked ? overSql : ''}, senders AS (
  -- The profile each email (trimmed, any case) is sent as: the lowest id of the sendable ones that have it.
  SELECT c.email_key, min(c.id) AS sender FROM profiled c WHERE ${skip} IS NULL GROUP BY 1
), keyed AS MATERIALIZED (
  SELECT c.id, c.email, c.fields, ${skip} AS skip, s.sender, s.email_key${shape.compared ? `,\n    CASE WHEN s.sender = c.id THEN ${contentHashSql('c.email', 'c.fields')} END AS hash` : ''}
  FROM profiled c LEFT JOIN senders s ON s.email_key = c.email_key AND ${skip} IS NULL
), state AS MATERIALIZED (
  -- The export's sync state, read once for a hash join (a lookup per delivery costs more).
  SELECT segment_id, email_key, email, list_id, status, content_hash, rejected_runs FROM sync_state WHERE export_id = ${$.exportId}
), deliveries AS (
  -- One per (sent profile, segment of any profile sent as it). With one segment, a sender's own
  -- membership is its only one: every profile sent as it is in that segment too.
  SELECT k.sender AS profile_id, c.segment_id, c.pos, k.email_key
  FROM chosen c JOIN keyed k ON k.id = c.profile_id WHERE ${shape.shared ? 'k.skip IS NULL GROUP BY 1, 2, 3, 4' : 'k.sender = k.id'}
), matched AS (
  -- Each delivery beside what the state holds of it. Delivered to another list than its segment's
  -- list now (deleted in Autopilot, or made again), it was not delivered: it is sent, as an add.
  SELECT d.*, y.status, y.content_hash, y.rejected_runs, y.email_key IS NOT NULL AS known,
    ${$.segmentLists}::text[] IS NULL OR y.list_id = (${$.segmentLists}::text[])[d.pos::int] AS same_list${shape.compared ? ', s.hash' : ''}
  FROM deliveries d${shape.compared ? ' JOIN keyed s ON s.id = d.profile_id' : ''} LEFT JOIN state y ON y.segment_id = d.segment_id AND y.email_key = d.email_key
), planned AS (
  -- Without a comparison (a full run, or nothing delivered yet) every delivery is sent.
  SELECT profile_id, segment_id, pos,
    ${shape.compared ? `CASE WHEN NOT ${$.incremental} THEN NULL
      WHEN status = 'exported' AND content_hash = hash AND same_list THEN ${$.unchanged}
      WHEN status = 'rejected' AND rejected_runs >= ${$.parkAfter} THEN ${$.rejectedBefore}
    END` : 'NULL::text'} AS skip,
    CASE WHEN known AND same_list THEN 'update' ELSE 'add' END AS change
  FROM matched
)${shape.compared ? examplesSql : ''}, written AS (
  -- Items written: every delivery but unchanged ones beyond the examples, and every profile skipped for a reason of its own.
  SELECT profile_id, segment_id, pos, skip, CASE WHEN skip IS NULL THEN change END AS change FROM planned WHERE skip IS DISTINCT FROM ${$.unchanged}${shape.compared ? `
  UNION ALL
  SELECT profile_id, segment_id, pos, ${$.unchanged}, NULL FROM examples` : ''}
  UNION ALL
  SELECT c.profile_id, c.segment_id, c.pos, coalesce(k.skip, ${$.duplicateEmail}), NULL
  FROM chosen c JOIN keyed k ON k.id = c.profile_id WHERE k.skip IS NOT NULL OR k.sender <> k.id
)${shape.shared ? perSenderSql : shape.compared ? oneDeliverySql : ''}, sent AS (
  ${shape.compared ? 'SELECT profile_id FROM per_sender WHERE pending > 0' : 'SELECT id AS profile_id FROM keyed WHERE sender = id'}
), frozen AS (
  INSERT INTO run_profiles (run_id, profile_id, email, sent_as, fields)
  SELECT ${$.runId}, k.id, k.email, CASE WHEN k.sender <> k.id THEN k.sender END, CASE WHEN ${shape.compared ? 't.profile_id IS NOT NULL' : 'k.sender = k.id'} THEN k.fields END
  FROM keyed k${shape.compared ? ' LEFT JOIN sent t ON t.profile_id = k.id WHERE k.id IN (SELECT profile_id FROM written)' : ''}
), numbered AS (
  -- (pos, profile_id) is unique among the items written: a running count needs no peers.
  SELECT profile_id, segment_id, pos, skip, change,
    row_number() OVER (ORDER BY pos, profile_id ROWS UNBOUNDED PRECEDING) AS seq,
    -- Pending items of this segment so far, this one included.
    count(*) FILTER (WHERE skip IS NULL) OVER (PARTITION BY pos ORDER BY profile_id ROWS UNBOUNDED PRECEDING) AS sendable
  FROM written
), inserted AS (
  INSERT INTO run_items (run_id, seq, profile_id, segment_id, batch_no, status, reason, change)
  SELECT ${$.runId}, seq, profile_id, segment_id,
    -- A batch starts at every 100th pending item of a segment, so none spans two segments.
    CASE WHEN skip IS NULL THEN count(*) FILTER (WHERE skip IS NULL AND (sendable - 1) % ${$.batchSize} = 0) OVER (ORDER BY pos, profile_id ROWS UNBOUNDED PRECEDING) - 1 END,
    CASE WHEN skip IS NULL THEN 'pending' WHEN skip = ${$.unchanged} THEN 'unchanged' ELSE 'skipped' END, skip, change
  FROM numbered
  RETURNING batch_no, seq
)${shape.shared ? pendingProfilesSql : ''}${shape.departed ? departedSql[shape.departed] : ''}
-- The plan, from what was just frozen: every profile has one row in keyed; only pending items have a batch.
SELECT ${heldCounts(shape.departed)},
  k.total::int AS "totalProfiles",
  (SELECT coalesce(max(batch_no) + 1, 0) FROM inserted)::int AS batches,
  (SELECT count(batch_no) FROM inserted)::int AS contacts,
  -- Where each batch starts, for reading it by the primary key (see readBatches); one past the last to close the last.
  (SELECT array_agg(start ORDER BY batch_no) || max(past) FROM (
     SELECT batch_no, min(seq) AS start, max(seq) + 1 AS past FROM inserted WHERE batch_no IS NOT NULL GROUP BY batch_no
   ) b) AS "batchStarts",
  (k.total - (SELECT count(*) FROM sent))::int AS "profilesSkipped",
  -- The first tally (see recordRunPlan): senders with a delivery to send are pending; those with
  -- none, but one parked, skipped as parked; every other profile skipped for its own reason.
  (SELECT count(*) FROM sent)::int AS "pendingProfiles",
  ${
    shape.compared
      ? `u.items::int AS "unchangedItems", u.profiles::int AS "unchangedProfiles", u.parked::int AS "parkedProfiles"`
      : `0 AS "unchangedItems", 0 AS "unchangedProfiles", 0 AS "parkedProfiles"`
  },
  k.skipped AS "skippedProfiles"
FROM (
  SELECT (SELECT count(*) FROM keyed) AS total, (SELECT jsonb_object_agg(reason, n) FROM (
    SELECT coalesce(skip, ${$.duplicateEmail}) AS reason, count(*)::int AS n FROM keyed WHERE skip IS NOT NULL OR sender <> id GROUP BY 1
  ) r) AS skipped
) k${
    shape.compared
      ? `, (
  -- Senders whose every delivery is unchanged (each has at least one), and those with none to send but one parked.
  SELECT coalesce(sum(unchanged), 0) AS items, count(*) FILTER (WHERE unchanged = deliveries) AS profiles, count(*) FILTER (WHERE pending = 0 AND parked > 0) AS parked FROM per_sender
) u`
      : ''
  }`;
};

/** send_first: the profiles past the first `sendLimit` by id; only sorted when there are more than that. */
const overSql = `, over AS (
  SELECT id FROM profiled WHERE (SELECT count(*) FROM profiled) > ${$.sendLimit}::bigint ORDER BY id OFFSET ${$.sendLimit}::bigint
)`;

/** Unchanged deliveries written as items all the same, for the plan to show. */
const examplesSql = `, examples AS (
  SELECT profile_id, segment_id, pos FROM planned WHERE skip = ${$.unchanged} ORDER BY pos, profile_id LIMIT ${$.unchangedExamples}
)`;

/** Each sender's deliveries by what the plan decided: to send, parked, unchanged, all. */
const perSenderSql = `, per_sender AS (
  SELECT profile_id, count(*) FILTER (WHERE skip IS NULL) AS pending, count(*) FILTER (WHERE skip = ${$.rejectedBefore}) AS parked,
    count(*) FILTER (WHERE skip = ${$.unchanged}) AS unchanged, count(*) AS deliveries
  FROM planned GROUP BY profile_id
)`;

/** With one segment, each sender has one delivery: per_sender is planned itself, without grouping. */
const oneDeliverySql = `, per_sender AS (
  SELECT profile_id, CASE WHEN skip IS NULL THEN 1 ELSE 0 END AS pending, CASE WHEN skip = ${$.rejectedBefore} THEN 1 ELSE 0 END AS parked,
    CASE WHEN skip = ${$.unchanged} THEN 1 ELSE 0 END AS unchanged, 1 AS deliveries
  FROM planned
)`;

/**
 * Senders with more than one delivery to send, or one beside a parked one: what their batches have
 * left to record, for the tally (see recordSentBatch). Every other sender's outcome is decided by
 * its one batch.
 */
const pendingProfilesSql = `, shared AS (
  INSERT INTO run_profile_pending (run_id, profile_id, pending, parked)
  SELECT ${$.runId}, profile_id, pending, CASE WHEN parked > 0 THEN ${$.rejectedBefore} END
  FROM per_sender WHERE pending > 1 OR (pending = 1 AND parked > 0)
)`;

/**
 * The memberships that left (see {@link snapshotSql}): those the export delivered that no profile
 * of the run has in that segment any more, whichever segment (one no longer exported included).
 * Found by grouping the delivered ones with those kept, never by an anti-join: the planner cannot
 * know how many rows the CTEs hold and, guessing a few, chose a nested loop that compared every
 * delivered membership with every kept one (100,000 × 100,000: a refresh that never finished).
 */
const goneSql = `, gone AS (
  SELECT segment_id, email_key, max(email) AS email, max(list_id) AS list_id
  FROM (
    SELECT segment_id, email_key, email, list_id, true AS delivered FROM state WHERE status = 'exported'
    UNION ALL
    SELECT c.segment_id, lower(k.email), NULL, NULL, false FROM chosen c JOIN keyed k ON k.id = c.profile_id WHERE k.email IS NOT NULL
  ) u
  GROUP BY segment_id, email_key
  HAVING bool_and(delivered)
)`;

/**
 * Mirror mode: the memberships that left an exported segment are planned for removal, numbered by
 * segment (in the export's order), then email. Lists are shared by name across exports: a
 * membership another export holds as delivered stays (`shared`), or that export, believing it
 * delivered, would never add it back.
 */
const removalsSql = `${goneSql}, leaving AS (
  SELECT g.*, EXISTS (
    SELECT FROM sync_state o WHERE o.list_id = g.list_id AND o.email_key = g.email_key AND o.status = 'exported' AND o.export_id <> ${$.exportId}
  ) AS shared
  FROM gone g WHERE g.segment_id = ANY(${$.segmentIds}::text[])
), removals AS (
  INSERT INTO run_removals (run_id, seq, email_key, email, segment_id, list_id)
  SELECT ${$.runId}, (row_number() OVER (ORDER BY array_position(${$.segmentIds}::text[], g.segment_id), g.email_key) - 1)::int, g.email_key, g.email, g.segment_id, g.list_id
  FROM leaving g WHERE NOT g.shared
)`;

/** The settings changed: the memberships that left are forgotten (released), not removed. */
const releaseSql = `${goneSql}, released AS (
  DELETE FROM sync_state y USING gone g WHERE y.export_id = ${$.exportId} AND y.segment_id = g.segment_id AND y.email_key = g.email_key
)`;

const departedSql = { remove: removalsSql, release: releaseSql, count: goneSql };

/** Removals held back: shared with another export (mirror mode), or left when the settings changed (those of exported segments). */
function heldCounts(departed: SnapshotShape['departed']): string {
  const shared = departed === 'remove' ? '(SELECT count(*) FROM leaving WHERE shared)::int' : '0';
  const changed = departed === 'release' || departed === 'count' ? `(SELECT count(*) FROM gone WHERE segment_id = ANY(${$.segmentIds}::text[]))::int` : '0';
  return `${shared} AS "heldShared", ${changed} AS "heldChanged"`;
}

/** Distinct profiles across the segments (in the store, or staged by the run): what the profile limit is checked against. */
export async function countSegmentProfiles(db: Db, segmentIds: string[], stagedBy?: string): Promise<number> {
  const members = stagedBy ? '(SELECT segment_id, profile_id FROM run_source_members WHERE run_id = $2)' : 'segment_members';
  const [row] = await db.query<{ n: number }>(
    `SELECT count(DISTINCT profile_id)::int AS n FROM ${members} m WHERE segment_id = ANY($1::text[])`,
    stagedBy ? [segmentIds, stagedBy] : [segmentIds],
  );
  return row.n;
}

