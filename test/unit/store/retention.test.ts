import { openDb, type Db } from '../../../store/db';
import { detailsPurgedAt, purgeRunDetails, RUN_DETAIL_TABLES, type PurgeResult } from '../../../store/retention';

const DAY_MS = 24 * 3600_000;
const SUMMARY = { total: 4, exported: 3, pending: 0, skipped: { 'no email': 1 }, rejected: {} };

/** A run of `exportId` with `profiles` detail rows in each detail table, finished `ageDays` ago (running when null). */
async function seedRun(db: Db, runId: string, exportId: string, ageDays: number | null, profiles = 4): Promise<void> {
  const finishedAt = ageDays === null ? null : new Date(Date.now() - ageDays * DAY_MS);
  await db.query(
    `INSERT INTO runs (id, export_id, workflow_id, trigger, status, total_profiles, summary, started_at, finished_at)
     VALUES ($1, $2, $3, 'manual', $4, $5, $6, coalesce($7, now()) - interval '1 hour', $7)`,
    [runId, exportId, `export-${exportId}`, finishedAt ? 'completed' : 'running', profiles, JSON.stringify(SUMMARY), finishedAt],
  );
  for (let i = 0; i < profiles; i++) {
    const profileId = `p${i}`;
    await db.query("INSERT INTO run_items (run_id, seq, profile_id, segment_id, batch_no, status) VALUES ($1, $2, $3, 'VIP', $2, 'pending')", [runId, i, profileId]);
    await db.query('INSERT INTO run_batches (run_id, batch_no) VALUES ($1, $2)', [runId, i]);
    await db.query('INSERT INTO run_profiles (run_id, profile_id, email) VALUES ($1, $2, $3)', [runId, profileId, `${profileId}@example.com`]);
    await db.query("INSERT INTO run_removals (run_id, seq, email_key, email, segment_id, list_id) VALUES ($1, $2, $3, $3, 'VIP', 'contactlist_1')", [runId, i, `${profileId}@example.com`]);
    await db.query("INSERT INTO run_source_members (run_id, segment_id, profile_id) VALUES ($1, 'VIP', $2)", [runId, profileId]);
    await db.query("INSERT INTO run_source_profiles (run_id, profile_id, attributes) VALUES ($1, $2, '{}')", [runId, profileId]);
    await db.query('INSERT INTO run_profile_pending (run_id, profile_id, pending) VALUES ($1, $2, 2)', [runId, profileId]);
  }
}

async function seedExport(db: Db, id: string): Promise<void> {
  await db.query(
    `INSERT INTO exports (id, display_name, segment_ids, mapping, profile_limit, on_limit_exceeded, created_by)
     VALUES ($1, 'Export', '["VIP"]', '{"email":"EmailAddress"}', 100000, 'fail', 'tester')`,
    [id],
  );
}

/** Detail rows per table of a run. */
async function detailRows(db: Db, runId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of RUN_DETAIL_TABLES) {
    const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE run_id = $1`, [runId]);
    counts[table] = n;
  }
  return counts;
}

const none = Object.fromEntries(RUN_DETAIL_TABLES.map((t) => [t, 0]));
const all = (n: number) => Object.fromEntries(RUN_DETAIL_TABLES.map((t) => [t, n]));
const thirtyDaysAgo = () => new Date(Date.now() - 30 * DAY_MS);

describe('purgeRunDetails', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb();
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await db.exec(`TRUNCATE runs, exports, ${RUN_DETAIL_TABLES.join(', ')} CASCADE`);
    await seedExport(db, 'e1');
    await seedRun(db, 'old', 'e1', 40);
    await seedRun(db, 'older', 'e1', 400, 12);
    await seedRun(db, 'young', 'e1', 5);
    await seedRun(db, 'running', 'e1', null);
    // Started long ago and still going: no finish, so never due.
    await db.query("UPDATE runs SET started_at = now() - interval '90 days' WHERE id = 'running'");
  });

  it("deletes old runs' details, keeps young and running runs' details, and keeps every summary", async () => {
    const result = await purgeRunDetails(db, { finishedBefore: thirtyDaysAgo() });

    expect(result).toEqual({ runsPurged: 2, runsDeleted: 0, rowsDeleted: RUN_DETAIL_TABLES.length * (4 + 12), more: false });
    expect(await detailRows(db, 'old')).toEqual(none);
    expect(await detailRows(db, 'older')).toEqual(none);
    expect(await detailRows(db, 'young')).toEqual(all(4));
    expect(await detailRows(db, 'running')).toEqual(all(4));
    const runs = await db.query<{ id: string; summary: unknown; total: number }>('SELECT id, summary, total_profiles AS total FROM runs ORDER BY id');
    expect(runs.map((r) => r.id)).toEqual(['old', 'older', 'running', 'young']);
    for (const run of runs) expect(run.summary).toEqual(SUMMARY);
  });

  it('marks purged runs only', async () => {
    await purgeRunDetails(db, { finishedBefore: thirtyDaysAgo() });
    expect(await detailsPurgedAt(db, 'old')).not.toBeNull();
    expect(await detailsPurgedAt(db, 'older')).not.toBeNull();
    expect(await detailsPurgedAt(db, 'young')).toBeNull();
    expect(await detailsPurgedAt(db, 'running')).toBeNull();
  });

  it('works in bounded chunks and passes, taking up a run cut short where it stopped', async () => {
    const passes: PurgeResult[] = [];
    let chunks = 0;
    for (;;) {
      const pass = await purgeRunDetails(db, { finishedBefore: thirtyDaysAgo(), rowsPerChunk: 2, maxRows: 5, onChunk: () => chunks++ });
      passes.push(pass);
      if (!pass.more) break;
    }
    for (const pass of passes) expect(pass.rowsDeleted).toBeLessThanOrEqual(5);
    expect(passes.length).toBeGreaterThan(1);
    expect(chunks).toBeGreaterThanOrEqual((RUN_DETAIL_TABLES.length * 16) / 2);
    expect(passes.reduce((sum, p) => sum + p.rowsDeleted, 0)).toBe(RUN_DETAIL_TABLES.length * 16);
    expect(passes.reduce((sum, p) => sum + p.runsPurged, 0)).toBe(2);
    expect(await detailRows(db, 'older')).toEqual(none);
    expect(await detailRows(db, 'young')).toEqual(all(4));
  });

  it('does nothing the second time', async () => {
    await purgeRunDetails(db, { finishedBefore: thirtyDaysAgo() });
    const purgedAt = await detailsPurgedAt(db, 'old');
    expect(await purgeRunDetails(db, { finishedBefore: thirtyDaysAgo() })).toEqual({ runsPurged: 0, runsDeleted: 0, rowsDeleted: 0, more: false });
    expect(await detailsPurgedAt(db, 'old')).toEqual(purgedAt);
  });

  it('removes the runs of a deleted export entirely, whatever their age, once they have stopped', async () => {
    await seedRun(db, 'gone-young', 'deleted-export', 1);
    await seedRun(db, 'gone-running', 'deleted-export', null);
    const result = await purgeRunDetails(db, { finishedBefore: thirtyDaysAgo() });

    expect(result).toMatchObject({ runsPurged: 2, runsDeleted: 1 });
    expect(await db.query("SELECT id FROM runs WHERE id = 'gone-young'")).toEqual([]);
    expect(await detailRows(db, 'gone-young')).toEqual(none);
    expect(await detailRows(db, 'gone-running')).toEqual(all(4));
  });
});
