import { countsAddUp, PARK_AFTER_REJECTED_RUNS, type ExportSettings } from '../../../domain/export';
import { openDb, type Db } from '../../../store/db';
import { createExportStore, toSettings } from '../../../store/exports';
import { importProfiles } from '../../../store/profiles';
import { countRedrivable, getRun, listOutcomes, readRunPlan } from '../../../store/run-queries';
import { readBatches, recordSentBatch } from '../../../store/batches';
import { snapshotRun, UNCHANGED_EXAMPLES } from '../../../store/freeze';
import { closeRun, countOutcomes, keptCounts, openRun } from '../../../store/runs';
import { syncSignature } from '../../../store/sync';
import { autopilotDestination } from '../../../autopilot/destination';

const LISTS: Record<string, string> = { VIP: 'contactlist_VIP', Loyalty: 'contactlist_LOY' };

let db: Db;
let exportId: string;
let runNo = 0;
beforeAll(async () => {
  db = await openDb();
}, 60_000);
afterAll(() => db.close());
beforeEach(async () => {
  await db.exec('TRUNCATE profiles, segment_members, runs, run_items, run_batches, run_profiles, run_removals, sync_state, exports CASCADE');
  const e = await createExportStore(db).create({
    displayName: 'Sync',
    connectionId: null,
    segmentIds: ['VIP', 'Loyalty'],
    mapping: { email: 'EmailAddress', firstName: 'FirstName' },
    schedule: null,
    profileLimit: 100_000,
    onLimitExceeded: 'fail',
    createdBy: 'tester',
  });
  exportId = e.id;
});

async function settings(overrides: Partial<ExportSettings> = {}): Promise<ExportSettings> {
  const e = (await createExportStore(db).get(exportId))!;
  return { ...toSettings({ ...e, connectionId: 'conn-1' }), ...overrides };
}

type Row = { id: string; email?: string; first?: string; segments: string[] };
async function profiles(rows: Row[]): Promise<void> {
  await importProfiles(db, (async function* () {
    for (const r of rows) {
      yield JSON.stringify({ id: r.id, segments: r.segments, FirstName: r.first ?? `F-${r.id}`, ...(r.email === undefined ? {} : { EmailAddress: r.email }) });
    }
  })());
}

type RunOptions = {
  refuse?: string[];
  sendBatches?: number;
  status?: 'completed' | 'failed';
  /** The lists the key check found before the freeze; a missing one is made (with a new id) to send. Without: LISTS, not looked up. */
  found?: Record<string, string>;
};

/** A run as the workflow makes it: freeze, send every batch (Autopilot refusing `refuse`), close. */
async function run(s: ExportSettings, options: RunOptions = {}) {
  const runId = `run-${++runNo}`;
  await openRun(db, { runId, exportId: s.exportId, workflowId: 'wf', trigger: { kind: 'manual' }, dryRun: s.dryRun, redriveOf: s.redriveOf });
  const plan = await snapshotRun(db, runId, s, autopilotDestination, options.found);
  const lists = options.found ? { ...Object.fromEntries(s.segmentIds.map((id) => [id, `contactlist_${id}_made_again`])), ...options.found } : LISTS;
  const sent: string[] = [];
  for (let b = 0; b < Math.min(plan.batches, options.sendBatches ?? plan.batches); b++) {
    const items = await readBatches(db, runId, b, 1);
    const outcomes = items.map((i) =>
      options.refuse?.includes(i.email!) ? { seq: i.seq, status: 'rejected' as const, reason: 'refused by Autopilot' } : { seq: i.seq, status: 'exported' as const },
    );
    sent.push(...items.map((i) => `${i.segmentId}:${i.email}`));
    await recordSentBatch(db, runId, b, outcomes, lists);
  }
  const counts = await countOutcomes(db, runId);
  // The counts the run kept as it went are those counted from its items.
  expect(await keptCounts(db, runId)).toEqual(counts);
  if (!s.dryRun) await closeRun(db, runId, options.status ?? 'completed', counts);
  return { runId, plan, counts, sent: sent.sort() };
}

async function state() {
  return db.query<{ key: string; status: string; rejectedRuns: number; listId: string; hash: string | null }>(
    `SELECT segment_id || ':' || email_key AS key, status, rejected_runs AS "rejectedRuns", list_id AS "listId", content_hash AS hash
     FROM sync_state WHERE export_id = $1 ORDER BY 1`,
    [exportId],
  );
}

async function items(runId: string) {
  return db.query<{ profileId: string; segmentId: string; status: string; reason: string | null; change: string | null }>(
    `SELECT profile_id AS "profileId", segment_id AS "segmentId", status, reason, change FROM run_items WHERE run_id = $1 ORDER BY seq`,
    [runId],
  );
}

const BASE: Row[] = [
  { id: 'p1', email: 'ann@example.com', segments: ['VIP', 'Loyalty'] },
  { id: 'p2', email: 'bob@example.com', segments: ['VIP'] },
  { id: 'p3', email: 'cat@example.com', segments: ['Loyalty'] },
  // A duplicate of p1 (sent as p1) and a profile without an email: skipped by the run itself.
  { id: 'p4', email: ' ANN@example.com', segments: ['VIP'] },
  { id: 'p5', segments: ['VIP'] },
];

describe('the sync state', () => {
  it('records every delivery of a sent batch with the batch, rejected ones with their reason', async () => {
    await profiles(BASE);
    const first = await run(await settings(), { refuse: ['cat@example.com'] });

    expect(first.plan).toMatchObject({ totalProfiles: 5, contacts: 4, mode: 'incremental' });
    expect(await state()).toEqual([
      expect.objectContaining({ key: 'Loyalty:ann@example.com', status: 'exported', rejectedRuns: 0, listId: 'contactlist_LOY' }),
      expect.objectContaining({ key: 'Loyalty:cat@example.com', status: 'rejected', rejectedRuns: 1, hash: null }),
      expect.objectContaining({ key: 'VIP:ann@example.com', status: 'exported', listId: 'contactlist_VIP' }),
      expect.objectContaining({ key: 'VIP:bob@example.com', status: 'exported' }),
    ]);
    // Recording a batch again (a retried activity) changes nothing.
    const before = await state();
    const batch = await readBatches(db, first.runId, 0, 1);
    await recordSentBatch(db, first.runId, 0, batch.map((i) => ({ seq: i.seq, status: 'rejected', reason: 'refused by Autopilot' })), LISTS);
    expect(await state()).toEqual(before);
  });

  it('claims nothing for a batch that was not recorded', async () => {
    await profiles(BASE);
    await run(await settings(), { sendBatches: 0, status: 'failed' });
    expect(await state()).toEqual([]);
  });

  it('counts the runs in a row that refused a delivery, once per run, and starts again when it is exported', async () => {
    await profiles([{ id: 'p1', email: 'ann@example.com', segments: ['VIP'] }]);
    const s = await settings();
    const { runId } = await run(s, { refuse: ['ann@example.com'] });
    // The same run recording another batch that holds the delivery (it cannot, but a retry may): still one run.
    const [item] = await readBatches(db, runId, 0, 1);
    await db.query('DELETE FROM run_batches WHERE run_id = $1', [runId]);
    await recordSentBatch(db, runId, 0, [{ seq: item.seq, status: 'rejected', reason: 'again' }], LISTS);
    expect((await state())[0].rejectedRuns).toBe(1);

    await run(s, { refuse: ['ann@example.com'] });
    expect((await state())[0]).toMatchObject({ status: 'rejected', rejectedRuns: 2 });
    await run(s);
    expect((await state())[0]).toMatchObject({ status: 'exported', rejectedRuns: 0 });
  });
});

describe('what the sync state belongs to', () => {
  it('goes with its export', async () => {
    await profiles(BASE);
    await run(await settings());
    expect((await state()).length).toBeGreaterThan(0);
    expect(await createExportStore(db).remove(exportId)).toBe(true);
    expect(await state()).toEqual([]);
  });

  it('opens a run once, with what it was asked for: the second of its starter and its workflow to open it changes nothing', async () => {
    const open = { runId: 'r-a', exportId, workflowId: 'wf', trigger: { kind: 'manual' as const }, dryRun: true, redriveOf: 'r-0' };
    await openRun(db, open);
    await openRun(db, { ...open, workflowId: 'other' });
    expect(await getRun(db, 'r-a')).toMatchObject({ dryRun: true, redriveOf: 'r-0', workflowId: 'wf', mode: null, status: 'running' });
  });
});

describe('an incremental run', () => {
  it('sends nothing when nothing changed, and counts every profile (unchanged included)', async () => {
    await profiles(BASE);
    const s = await settings();
    await run(s);

    const second = await run(s);

    expect(second.plan).toMatchObject({ batches: 0, contacts: 0, totalProfiles: 5, profilesSkipped: 5, mode: 'incremental' });
    expect(second.sent).toEqual([]);
    expect(second.counts).toEqual({ total: 5, exported: 0, pending: 0, skipped: { unchanged: 3, 'duplicate email': 1, 'no email': 1 }, rejected: {} });
    expect(countsAddUp(second.counts)).toBe(true);
    expect(await readRunPlan(db, second.runId)).toMatchObject({ toAdd: 0, toUpdate: 0, unchanged: 4, toRemove: 0, skipped: { 'duplicate email': 1, 'no email': 1 } });
  });

  it('sends exactly what is new, changed or was refused last time', async () => {
    await profiles([...BASE, { id: 'p6', email: 'dan@example.com', segments: ['VIP'] }]);
    const s = await settings();
    await run(s, { refuse: ['dan@example.com'] });
    // bob's first name changes; eve is new; cat joins VIP (her Loyalty delivery is unchanged).
    await profiles([
      { id: 'p2', email: 'bob@example.com', first: 'Robert', segments: ['VIP'] },
      { id: 'p3', email: 'cat@example.com', segments: ['Loyalty', 'VIP'] },
      { id: 'p7', email: 'eve@example.com', segments: ['Loyalty'] },
    ]);

    const second = await run(s);

    expect(second.sent).toEqual(['Loyalty:eve@example.com', 'VIP:bob@example.com', 'VIP:cat@example.com', 'VIP:dan@example.com']);
    const changes = (await items(second.runId)).filter((i) => i.status === 'pending');
    expect(changes.map((i) => `${i.segmentId}:${i.profileId}:${i.change}`).sort()).toEqual(['Loyalty:p7:add', 'VIP:p2:update', 'VIP:p3:add', 'VIP:p6:update']);
    // ann (both lists unchanged) is skipped; cat has one delivery sent, one unchanged: exported.
    expect(second.counts).toEqual({ total: 7, exported: 4, pending: 0, skipped: { unchanged: 1, 'duplicate email': 1, 'no email': 1 }, rejected: {} });
    expect(await readRunPlan(db, second.runId)).toMatchObject({ toAdd: 2, toUpdate: 2, unchanged: 3 });
  });

  it('parks a delivery Autopilot refused in three runs in a row, and lists it', async () => {
    await profiles(BASE);
    const s = await settings();
    for (let i = 0; i < PARK_AFTER_REJECTED_RUNS; i++) await run(s, { refuse: ['cat@example.com'] });

    const parked = await run(s);

    expect(parked.sent).toEqual([]);
    expect(parked.counts.skipped).toMatchObject({ 'rejected before': 1 });
    const outcomes = await listOutcomes(db, { runId: parked.runId, statuses: ['skipped'], limit: 10 });
    expect(outcomes.map((o) => [o.profileId, o.reason])).toEqual([
      ['p3', 'rejected before'],
      ['p4', 'duplicate email'],
      ['p5', 'no email'],
    ]);
    expect(await countRedrivable(db, { id: parked.runId, status: 'completed' })).toBe(1);
  });

  it('lists no profile the run sends something to, even when another of its deliveries is unchanged', async () => {
    await profiles(BASE);
    const s = await settings();
    await run(s);
    await profiles([{ id: 'p3', email: 'cat@example.com', segments: ['Loyalty', 'VIP'] }]);
    const second = await run(s);
    const outcomes = await listOutcomes(db, { runId: second.runId, statuses: ['skipped', 'rejected'], limit: 10 });
    expect(outcomes.map((o) => o.profileId)).toEqual(['p4', 'p5']);
  });

  it('sends again, as adds, what it delivered to a list that is not its segment\'s list any more', async () => {
    await profiles(BASE);
    const s = await settings();
    await run(s, { found: LISTS });

    // The VIP list was deleted in Autopilot: the key check finds only Loyalty's, and the run makes VIP's again.
    const second = await run(s, { found: { Loyalty: LISTS.Loyalty } });

    expect(second.sent).toEqual(['VIP:ann@example.com', 'VIP:bob@example.com']);
    expect(await readRunPlan(db, second.runId)).toMatchObject({ toAdd: 2, toUpdate: 0, unchanged: 2 });
    expect((await state()).filter((y) => y.key.startsWith('VIP:')).map((y) => y.listId)).toEqual(['contactlist_VIP_made_again', 'contactlist_VIP_made_again']);
    // Delivered to the list made again, nothing is sent the run after.
    const third = await run(s, { found: { Loyalty: LISTS.Loyalty, VIP: 'contactlist_VIP_made_again' } });
    expect(third.sent).toEqual([]);
  });

  it('writes only a few unchanged deliveries, as examples, and counts the rest', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ id: `q${String(i).padStart(2, '0')}`, email: `q${i}@example.com`, segments: ['VIP'] }));
    await profiles(many);
    const s = await settings();
    await run(s);

    const second = await run(s);

    const written = await items(second.runId);
    expect(written).toHaveLength(UNCHANGED_EXAMPLES);
    expect(new Set(written.map((i) => i.status))).toEqual(new Set(['unchanged']));
    expect(second.counts).toEqual({ total: 60, exported: 0, pending: 0, skipped: { unchanged: 60 }, rejected: {} });
    const plan = await readRunPlan(db, second.runId);
    expect(plan).toMatchObject({ unchanged: 60, toAdd: 0 });
    expect(plan.examples.unchanged).toHaveLength(UNCHANGED_EXAMPLES);
    expect(plan.examples.unchanged[0]).toEqual({ profileId: 'q00', email: 'q0@example.com', segmentId: 'VIP' });
  });
});

describe('the mode of a run', () => {
  it('is full when asked, sending everything and saying what is new', async () => {
    await profiles(BASE);
    await run(await settings());
    await profiles([{ id: 'p8', email: 'fay@example.com', segments: ['VIP'] }]);

    const full = await run(await settings({ mode: 'full' }));

    expect(full.plan.mode).toBe('full');
    expect(full.sent).toHaveLength(5);
    const changes = (await items(full.runId)).filter((i) => i.change);
    expect(changes.filter((i) => i.change === 'add').map((i) => i.profileId)).toEqual(['p8']);
    expect((await getRun(db, full.runId))?.mode).toBe('full');
  });

  it.each([
    ['mapping', { mapping: { email: 'EmailAddress' } }],
    ['segments', { segmentIds: ['VIP'] }],
    ['connection', { connectionId: 'conn-2' }],
  ])('is full once after the %s changed', async (_what, change) => {
    await profiles(BASE);
    await run(await settings());

    const changed = await run(await settings(change));
    const after = await run(await settings(change));

    expect(changed.plan.mode).toBe('full');
    expect(changed.sent.length).toBeGreaterThan(0);
    expect(after.plan).toMatchObject({ mode: 'incremental', contacts: 0 });
  });

  it('forgets the sync state of another connection', async () => {
    await profiles(BASE);
    await run(await settings(), { refuse: ['cat@example.com'] });
    await run(await settings({ connectionId: 'conn-2' }), { sendBatches: 1, status: 'failed' });
    const keys = (await state()).map((r) => r.key);
    // Only what the new connection's first batch delivered.
    expect(keys).toEqual(['VIP:ann@example.com', 'VIP:bob@example.com']);
  });

  it('is left alone by a dry run, which sends nothing and changes no sync state', async () => {
    await profiles(BASE);
    await run(await settings());
    const signature = syncSignature(await settings());
    const before = await state();

    const dry = await run(await settings({ dryRun: true, segmentIds: ['VIP'] }));

    expect(dry.plan.mode).toBe('full');
    expect(await state()).toEqual(before);
    const [row] = await db.query<{ s: string }>('SELECT sync_signature AS s FROM exports WHERE id = $1', [exportId]);
    expect(row.s).toBe(signature);
    expect(await getRun(db, dry.runId)).toMatchObject({ dryRun: true, mode: 'full' });
  });

  it('keeps the mode its first attempt chose when the freeze is retried', async () => {
    await profiles(BASE);
    await run(await settings());
    const s = await settings({ mapping: { email: 'EmailAddress' } });
    await openRun(db, { runId: 'retried', exportId, workflowId: 'wf', trigger: { kind: 'manual' } });
    expect((await snapshotRun(db, 'retried', s, autopilotDestination)).mode).toBe('full');
    expect((await snapshotRun(db, 'retried', s, autopilotDestination)).mode).toBe('full');
  });
});

describe('a re-drive', () => {
  it("sends only the run's rejected and parked deliveries, whatever the sync state says", async () => {
    await profiles([...BASE, { id: 'p6', email: 'dan@example.com', segments: ['VIP'] }]);
    const s = await settings();
    const first = await run(s, { refuse: ['cat@example.com', 'dan@example.com'] });

    const redrive = await run(await settings({ redriveOf: first.runId }));

    expect(redrive.plan.mode).toBe('full');
    expect(redrive.sent).toEqual(['Loyalty:cat@example.com', 'VIP:dan@example.com']);
    expect(redrive.counts).toEqual({ total: 2, exported: 2, pending: 0, skipped: {}, rejected: {} });
    expect(await getRun(db, redrive.runId)).toMatchObject({ redriveOf: first.runId, mode: 'full' });
  });

  it('also sends what a failed run never sent', async () => {
    await profiles(BASE);
    const first = await run(await settings(), { sendBatches: 1, status: 'failed' });
    expect(await countRedrivable(db, { id: first.runId, status: 'failed' })).toBe(2);
    expect(await countRedrivable(db, { id: first.runId, status: 'completed' })).toBe(0);

    const redrive = await run(await settings({ redriveOf: first.runId }));

    expect(redrive.sent).toEqual(['Loyalty:ann@example.com', 'Loyalty:cat@example.com']);
  });
});

describe('mirror mode in the freeze', () => {
  it('plans removing only memberships that left, keeping the unchanged ones it does not write', async () => {
    await profiles(BASE);
    const s = await settings({ removeWhenLeaving: true, maxRemovalShare: 1 });
    await run(s);
    // bob leaves VIP; everyone else stays as they are (unchanged: no items written for them).
    await db.query("DELETE FROM segment_members WHERE profile_id = 'p2'");

    const second = await run(s);

    expect(second.plan).toMatchObject({ removals: 1, gate: [], contacts: 0 });
    const removals = await db.query<{ seq: number; key: string }>("SELECT seq, segment_id || ':' || email_key AS key FROM run_removals WHERE run_id = $1", [second.runId]);
    expect(removals).toEqual([{ seq: 0, key: 'VIP:bob@example.com' }]);
    expect((await readRunPlan(db, second.runId)).toRemove).toBe(1);
  });
});

describe('an export deleted while its batches are in flight', () => {
  it('leaves no sync state behind: a batch recorded after the delete writes none, and none can be written for it', async () => {
    await profiles(BASE);
    const s = await settings();
    const inFlight = await run(s, { sendBatches: 1 });
    expect(await state()).not.toEqual([]);

    expect(await createExportStore(db).remove(exportId)).toBe(true);
    const items = await readBatches(db, inFlight.runId, 1, 1);
    await recordSentBatch(db, inFlight.runId, 1, items.map((i) => ({ seq: i.seq, status: 'exported' as const })), LISTS);

    expect(await db.query('SELECT export_id FROM sync_state')).toEqual([]);
    // A write that raced the delete fails (and its activity is retried) instead of leaving a row behind.
    await expect(
      db.query(`INSERT INTO sync_state (export_id, email_key, segment_id, list_id, email, status, run_id) VALUES ($1, 'a', 'VIP', 'l', 'a', 'exported', 'r')`, [exportId]),
    ).rejects.toThrow(/foreign key/);
  });
});
