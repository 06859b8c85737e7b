import type { Db } from './db-interface';

/** Append-only: a released migration is never edited, a new one is added. */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE profiles (
    id text PRIMARY KEY,
    attributes jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE segment_members (
    segment_id text NOT NULL,
    profile_id text NOT NULL,
    PRIMARY KEY (segment_id, profile_id)
  );
  CREATE INDEX segment_members_profile ON segment_members (profile_id);

  CREATE TABLE connections (
    id text PRIMARY KEY,
    display_name text NOT NULL,
    type text NOT NULL DEFAULT 'autopilot',
    api_key_secret text NOT NULL,
    api_key_last4 text NOT NULL,
    usable_by text NOT NULL,
    base_url text,
    privacy_consent_at timestamptz NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  );

  CREATE TABLE exports (
    id text PRIMARY KEY,
    display_name text NOT NULL,
    connection_id text REFERENCES connections (id),
    segment_ids jsonb NOT NULL,
    mapping jsonb NOT NULL,
    schedule jsonb,
    profile_limit integer NOT NULL,
    on_limit_exceeded text NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  );

  CREATE TABLE runs (
    id text PRIMARY KEY,
    export_id text NOT NULL,
    workflow_id text NOT NULL,
    trigger text NOT NULL,
    triggered_by text,
    status text NOT NULL,
    total_profiles integer,
    summary jsonb,
    error text,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
  );
  CREATE INDEX runs_export ON runs (export_id, started_at DESC);

  -- One row per (profile, segment) of a run, frozen when the run starts.
  CREATE TABLE run_items (
    run_id text NOT NULL,
    seq integer NOT NULL,
    profile_id text NOT NULL,
    segment_id text NOT NULL,
    batch_no integer,
    status text NOT NULL,
    reason text,
    PRIMARY KEY (run_id, seq)
  );
  CREATE INDEX run_items_batch ON run_items (run_id, batch_no);

  `,
  // API tokens (stored hashed) and the indexes the API's read paths need.
  `
  CREATE TABLE api_tokens (
    id text PRIMARY KEY,
    name text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'contributor')),
    token_hash text NOT NULL UNIQUE,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
  );
  CREATE INDEX exports_connection ON exports (connection_id);
  CREATE INDEX run_items_outcomes ON run_items (run_id, status, profile_id);
  `,
  // Autopilot's rate budget per connection, and the shared schedule every worker takes its turn from.
  `
  ALTER TABLE connections ADD COLUMN requests_per_second real NOT NULL DEFAULT 5;
  CREATE TABLE autopilot_pacing (
    connection_id text PRIMARY KEY,
    next_slot timestamptz NOT NULL
  );
  `,
  // A sent batch is recorded once, as a whole (one row, not a hundred updates); only the items
  // Autopilot rejected are written one by one. The view gives every item its outcome. Only
  // rejected and skipped items are ever listed one by one: the index holds just those.
  `
  DROP INDEX run_items_outcomes;
  CREATE INDEX run_items_outcomes ON run_items (run_id, profile_id) WHERE status IN ('rejected', 'skipped');
  CREATE TABLE run_batches (
    run_id text NOT NULL,
    batch_no integer NOT NULL,
    PRIMARY KEY (run_id, batch_no)
  );
  -- A lookup by key per item, not a join: a join's plan depends on statistics that know nothing of a
  -- run just started, and a bad one scans all the run's batches for every item.
  CREATE VIEW run_item_status AS
    SELECT i.run_id, i.seq, i.profile_id, i.segment_id, i.batch_no, i.reason,
      CASE WHEN i.status = 'pending' AND EXISTS (SELECT FROM run_batches b WHERE b.run_id = i.run_id AND b.batch_no = i.batch_no)
        THEN 'exported' ELSE i.status END AS status
    FROM run_items i;
  `,
  // One rate budget per destination (API key + base URL), whatever connection or run uses it: the
  // schedule is keyed by a keyed hash of both, never by the key itself. Old rows were per connection.
  // Each run freezes, per profile, the email and contact fields it sends and reports (run_profiles),
  // so a re-import or a mapping change during the run changes nothing in it.
  `
  DELETE FROM autopilot_pacing;
  ALTER TABLE autopilot_pacing RENAME COLUMN connection_id TO destination;
  CREATE TABLE run_profiles (
    run_id text NOT NULL,
    profile_id text NOT NULL,
    -- The trimmed value of the mapped email attribute, as classified; null when the profile has none.
    email text,
    -- For a profile skipped as a duplicate email: the profile sent in its place.
    sent_as text,
    -- Autopilot field -> value, as mapped when the run planned; only for profiles that are sent.
    fields jsonb,
    PRIMARY KEY (run_id, profile_id)
  );
  -- What reconciliation with Temporal scans.
  CREATE INDEX runs_open ON runs (started_at) WHERE status = 'running';
  `,
  // Retention: when a run's per-profile details (see RUN_DETAIL_TABLES) were deleted; its summary stays.
  `
  ALTER TABLE runs ADD COLUMN details_purged_at timestamptz;
  `,
  // Alerts: where an export's run events go, and the sealed secret their signatures use. Who changed an export last.
  `
  ALTER TABLE exports ADD COLUMN alerts jsonb;
  ALTER TABLE exports ADD COLUMN alert_secret text;
  ALTER TABLE exports ADD COLUMN updated_by text;
  `,
  // Tokens may expire: an expired token authenticates as nothing. NULL: never.
  `
  ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
  `,
  // An import is staged first and applied in one short transaction: all its good lines or none.
  `
  CREATE TABLE import_staging (
    import_id text NOT NULL,
    seq integer NOT NULL,
    line jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (import_id, seq)
  );
  `,
  // Send only what changed. sync_state: per export, what the engine last delivered for each
  // (email, segment list) and how it ended; written in the same statement that records a sent batch.
  // run_removals: the memberships a mirror-mode run takes off lists. An export's mode and mirror
  // settings; exports made before this keep sending everything ('full'), new ones are incremental.
  // A run may be a dry run (plans, sends nothing) or a re-drive of another run.
  `
  CREATE TABLE sync_state (
    export_id text NOT NULL,
    -- lower(trimmed email): the contact as Autopilot matches it.
    email_key text NOT NULL,
    segment_id text NOT NULL,
    -- The Autopilot list it was delivered to, and the email as it was sent.
    list_id text NOT NULL,
    email text NOT NULL,
    -- md5 of what was last exported (email and mapped fields); null if it never was.
    content_hash text,
    -- 'exported' | 'rejected': how its last delivery ended.
    status text NOT NULL,
    reason text,
    -- Runs in a row that Autopilot rejected it; three park it.
    rejected_runs integer NOT NULL DEFAULT 0,
    run_id text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (export_id, segment_id, email_key)
  );
  CREATE TABLE run_removals (
    run_id text NOT NULL,
    seq integer NOT NULL,
    email_key text NOT NULL,
    email text NOT NULL,
    segment_id text NOT NULL,
    list_id text NOT NULL,
    -- 'pending' | 'removed' | 'failed'
    status text NOT NULL DEFAULT 'pending',
    reason text,
    PRIMARY KEY (run_id, seq)
  );
  -- What the plan decided for a sendable item: 'add' (new to the list) or 'update'.
  ALTER TABLE run_items ADD COLUMN change text;
  ALTER TABLE exports ADD COLUMN mode text NOT NULL DEFAULT 'full';
  ALTER TABLE exports ALTER COLUMN mode SET DEFAULT 'incremental';
  ALTER TABLE exports ADD COLUMN remove_when_leaving boolean NOT NULL DEFAULT false;
  ALTER TABLE exports ADD COLUMN max_removal_share real NOT NULL DEFAULT 0.1;
  -- What an export's sync state was planned under (mapping, segments, connection): a change means a full run.
  ALTER TABLE exports ADD COLUMN sync_signature text;
  ALTER TABLE runs ADD COLUMN mode text;
  ALTER TABLE runs ADD COLUMN dry_run boolean NOT NULL DEFAULT false;
  ALTER TABLE runs ADD COLUMN redrive_of text;
  -- Removals waiting for an admin's approval: {lists: [{segmentId, listId, removals, members}]}, and who approved.
  ALTER TABLE runs ADD COLUMN removal_gate jsonb;
  `,
  // A run reading an external profile source (Dataverse) stages what it read, page by page, and
  // freezes from the stage: the members of each segment, and each member's mapped attributes.
  `
  CREATE TABLE run_source_members (
    run_id text NOT NULL,
    segment_id text NOT NULL,
    profile_id text NOT NULL,
    PRIMARY KEY (run_id, segment_id, profile_id)
  );
  CREATE TABLE run_source_profiles (
    run_id text NOT NULL,
    profile_id text NOT NULL,
    attributes jsonb NOT NULL,
    PRIMARY KEY (run_id, profile_id)
  );
  `,
  // An incremental run does not write a row per unchanged delivery (a refresh where nothing changed
  // would cost as much as a full run): it counts them, per profile and per delivery, and writes
  // only a few as examples (run_items status 'unchanged').
  `
  ALTER TABLE runs ADD COLUMN unchanged_profiles integer NOT NULL DEFAULT 0;
  ALTER TABLE runs ADD COLUMN unchanged_items integer NOT NULL DEFAULT 0;
  `,
  // Removals only by an admin's decision. An export's sync state goes with the export, even when a
  // batch still in flight records into it as it is deleted (the key is checked then). A membership
  // another export holds as delivered is looked up by (list, email). A run records why it chose
  // full mode, and the removals it held back by reason ({reason: memberships}).
  `
  DELETE FROM sync_state y WHERE NOT EXISTS (SELECT FROM exports e WHERE e.id = y.export_id);
  ALTER TABLE sync_state ADD CONSTRAINT sync_state_export FOREIGN KEY (export_id) REFERENCES exports (id) ON DELETE CASCADE;
  CREATE INDEX sync_state_list_member ON sync_state (list_id, email_key) WHERE status = 'exported';
  ALTER TABLE runs ADD COLUMN full_because text;
  ALTER TABLE runs ADD COLUMN removals_held jsonb;
  `,
  // The console's sign-in sessions, shared by every API process: the id only as a hash, the API
  // token it stands for sealed with SECRETS_KEY (bound to the row), and a CSRF token per session.
  `
  CREATE TABLE console_sessions (
    id_hash text PRIMARY KEY,
    sealed_token text NOT NULL,
    role text NOT NULL,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
  );
  CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
  `,
  // The region of a connection whose platform keeps each key in one (Ortto): its host follows from it.
  `
  ALTER TABLE connections ADD COLUMN region text;
  `,
  // A run's profile-level counts kept as it goes (runs.tally: {"exported": n, "pending": n,
  // "rejected:<reason>": n, "skipped:<reason>": n, "removed": n}), so reading them costs one row,
  // whatever the run's size; null for runs planned before (their counts are recomputed). A profile
  // with more than one delivery to send (several segments), or a parked one beside the one it
  // sends, keeps what is left of them here until each is recorded: what its batches change of its
  // outcome (pending until its last delivery is recorded, rejected at the first refusal).
  `
  ALTER TABLE runs ADD COLUMN tally jsonb;
  CREATE TABLE run_profile_pending (
    run_id text NOT NULL,
    profile_id text NOT NULL,
    -- Deliveries not yet recorded.
    pending integer NOT NULL,
    -- Refused by the destination so far, and the least reason it gave (null: none given).
    refused boolean NOT NULL DEFAULT false,
    reason text,
    -- The reason of its parked deliveries, reported for a refusal that gave none (as countOutcomes does).
    parked text,
    PRIMARY KEY (run_id, profile_id)
  );
  `,
  // A run's items are found batch by batch through their primary key: the freeze keeps where each
  // batch starts (runs.batch_starts: the seq of each batch's first item, then one past the last
  // pending item), and a batch's items lie between its start and the next. One index fewer to
  // write for each of a run's items (at 136,000 items, a quarter of writing them); a run planned
  // before has no starts and is read by batch number among all its items.
  `
  ALTER TABLE runs ADD COLUMN batch_starts integer[];
  DROP INDEX run_items_batch;
  `,
  // A run's id is minted by whoever starts it, before its workflow exists; the workflow's own first
  // execution is recorded beside it when it begins (steering and reconciling address it). Runs
  // recorded before were named after that execution.
  `
  ALTER TABLE runs ADD COLUMN workflow_run_id text;
  UPDATE runs SET workflow_run_id = id WHERE status <> 'skipped';
  `,
];

/**
 * Any number of processes (API, workers) may start at once on one fresh database: each migration
 * is its own transaction under an advisory lock, and reads the version only once it holds the
 * lock, so one process applies it and the others wait, then find it applied. A transaction's
 * lock, not a session's: outside a transaction, each pooled query may take another connection.
 */
export async function migrate(db: Db): Promise<void> {
  for (;;) {
    const applied = await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('segment-export schema migrations'))");
      await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY)');
      const rows = await tx.query<{ version: number }>('SELECT max(version)::int AS version FROM schema_migrations');
      const version = (rows[0]?.version ?? 0) + 1;
      if (version > MIGRATIONS.length) return false;
      await tx.exec(MIGRATIONS[version - 1]);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
      return true;
    });
    if (!applied) return;
  }
}
