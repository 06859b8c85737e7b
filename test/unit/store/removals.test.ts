import { RemovalHeld, type ExportSettings } from '../../../domain/export';
import { openDb, type Db } from '../../../store/db';
import { importProfiles } from '../../../store/profiles';
import { countRemovals, overShare, readRemovalGate, readRemovals, recordRemovals } from '../../../store/removals';
import { recordRemovalApproval } from '../../../store/runs';
import { readBatches, recordSentBatch } from '../../../store/batches';
import { snapshotRun, UNCHANGED_EXAMPLES } from '../../../store/freeze';
import { syncSignature } from '../../../store/sync';
import { ensureExport } from '../../helpers/exports';
import { autopilotDestination } from '../../../autopilot/destination';

const EXPORT = 'exp-1';
const LISTS: Record<string, string> = { VIP: 'contactlist_VIP', Loyalty: 'contactlist_LOY' };

let db: Db;
beforeAll(async () => {
  db = await openDb();
}, 60_000);
afterAll(() => db.close());
beforeEach(async () => {
  await db.exec('TRUNCATE profiles, segment_members, exports, runs, run_items, run_batches, run_profiles, run_removals, sync_state CASCADE');
});

function settings(overrides: Partial<ExportSettings> = {}): ExportSettings {
  return {
    exportId: EXPORT,
    connectionId: 'conn-1',
    segmentIds: ['VIP', 'Loyalty'],
    mapping: { email: 'EmailAddress' },
    profileLimit: 100_000,
    onLimitExceeded: 'fail',
    removeWhenLeaving: true,
    mode: 'incremental',
    ...overrides,
  };
}

async function profiles(rows: { id: string; email?: string; segments: string[] }[]): Promise<void> {
  await importProfiles(db, (async function* () {
    for (const r of rows) yield JSON.stringify({ id: r.id, segments: r.segments, ...(r.email === undefined ? {} : { EmailAddress: r.email }) });
  })());
}

/** What earlier runs delivered: (segment, email) → status. */
async function delivered(rows: { segment: string; email: string; status?: 'exported' | 'rejected'; exportId?: string }[]): Promise<void> {
  for (const r of rows) {
    await ensureExport(db, r.exportId ?? EXPORT);
    await db.query(
      `INSERT INTO sync_state (export_id, email_key, segment_id, list_id, email, content_hash, status, run_id)
       VALUES ($1, lower($2), $3, $4, $2, md5($2), $5, 'earlier-run')`,
      [r.exportId ?? EXPORT, r.email, r.segment, LISTS[r.segment] ?? `contactlist_${r.segment}`, r.status ?? 'exported'],
    );
  }
}

/** Opens a run and freezes it: the freeze plans the removals and gates them, in its transaction. */
async function planRun(runId: string, s: ExportSettings = settings()) {
  // The state `delivered` wrote was delivered under these settings, unless an earlier run said otherwise.
  await ensureExport(db, s.exportId, syncSignature(s));
  await db.query("INSERT INTO runs (id, export_id, workflow_id, trigger, status) VALUES ($1, $2, 'wf', 'manual', 'running')", [runId, s.exportId]);
  const { removals, gate } = await snapshotRun(db, runId, s, autopilotDestination);
  return { removals, gate };
}

/** A run that froze and had every batch exported: what it delivered is in the sync state. */
async function deliveredRun(runId: string, s: ExportSettings): Promise<void> {
  await planRun(runId, s);
  const items = await readBatches(db, runId, 0, 1000);
  for (const batchNo of new Set(items.map((i) => i.batchNo))) {
    const outcomes = items.filter((i) => i.batchNo === batchNo && i.status === 'pending').map((i) => ({ seq: i.seq, status: 'exported' as const }));
    await recordSentBatch(db, runId, batchNo, outcomes, LISTS);
  }
}

async function syncKeys(exportId = EXPORT): Promise<string[]> {
  const rows = await db.query<{ k: string }>("SELECT segment_id || ':' || email_key AS k FROM sync_state WHERE export_id = $1 ORDER BY 1", [exportId]);
  return rows.map((r) => r.k);
}

describe('removals planned by the freeze', () => {
  it('plans exactly the delivered memberships whose email left the segment, ordered by segment then email', async () => {
    await profiles([
      { id: 'p1', email: 'Ann@Example.com', segments: ['VIP', 'Loyalty'] },
      // Left VIP, still in Loyalty: only the VIP membership goes.
      { id: 'p2', email: 'bob@example.com', segments: ['Loyalty'] },
      // A duplicate of p1's email in VIP: skipped, but its email is still in the segment.
      { id: 'p3', email: 'ANN@example.com', segments: ['VIP'] },
      // No longer in any chosen segment.
      { id: 'p4', email: 'cat@example.com', segments: ['Other'] },
      { id: 'p5', segments: ['VIP'] },
    ]);
    await delivered([
      { segment: 'VIP', email: 'ann@example.com' },
      { segment: 'VIP', email: 'bob@example.com' },
      { segment: 'VIP', email: 'cat@example.com' },
      { segment: 'VIP', email: 'zed@example.com' },
      { segment: 'Loyalty', email: 'bob@example.com' },
      { segment: 'Loyalty', email: 'ann@example.com' },
      { segment: 'Loyalty', email: 'cat@example.com' },
      // Rejected last time: not a membership this engine is sure it made.
      { segment: 'Loyalty', email: 'dan@example.com', status: 'rejected' },
      // Another export's, and a segment this export no longer has: never touched.
      { segment: 'VIP', email: 'eve@example.com', exportId: 'exp-2' },
      { segment: 'Gone', email: 'fay@example.com' },
    ]);

    const plan = await planRun('run-1', settings({ maxRemovalShare: 1 }));

    expect(plan).toEqual({ removals: 4, gate: [] });
    const rows = await readRemovals(db, 'run-1', 0, 10);
    expect(rows.map((r) => [r.seq, r.segmentId, r.email, r.listId, r.status])).toEqual([
      [0, 'VIP', 'bob@example.com', 'contactlist_VIP', 'pending'],
      [1, 'VIP', 'cat@example.com', 'contactlist_VIP', 'pending'],
      [2, 'VIP', 'zed@example.com', 'contactlist_VIP', 'pending'],
      [3, 'Loyalty', 'cat@example.com', 'contactlist_LOY', 'pending'],
    ]);
    expect(await readRemovals(db, 'run-1', 1, 2)).toEqual([expect.objectContaining({ seq: 1 }), expect.objectContaining({ seq: 2 })]);
  });

  it('keeps members the run skips (over the limit) and plans nothing when nobody left', async () => {
    await profiles([
      { id: 'p1', email: 'ann@example.com', segments: ['VIP'] },
      { id: 'p2', email: 'bob@example.com', segments: ['VIP'] },
    ]);
    await delivered([{ segment: 'VIP', email: 'ann@example.com' }, { segment: 'VIP', email: 'bob@example.com' }]);
    const plan = await planRun('run-1', settings({ segmentIds: ['VIP'], profileLimit: 1, onLimitExceeded: 'send_first' }));
    expect(plan).toEqual({ removals: 0, gate: [] });
    expect(await countRemovals(db, 'run-1')).toEqual({ planned: 0, removed: 0, failed: 0, kept: 0, pending: 0 });
    expect(await readRemovalGate(db, 'run-1')).toBeUndefined();
  });

  it('replaces what an earlier attempt of the same freeze planned', async () => {
    await profiles([{ id: 'p1', email: 'ann@example.com', segments: ['VIP'] }]);
    await delivered([{ segment: 'VIP', email: 'bob@example.com' }]);
    await planRun('run-1', settings({ maxRemovalShare: 1 }));
    const again = await snapshotRun(db, 'run-1', settings({ maxRemovalShare: 1 }), autopilotDestination);
    expect(again.removals).toBe(1);
    expect(await countRemovals(db, 'run-1')).toMatchObject({ planned: 1 });
  });

  it('keeps the unchanged members an incremental run writes no item for, and plans only the one who left', async () => {
    const n = UNCHANGED_EXAMPLES + 5;
    const all = Array.from({ length: n }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}`, email: `m${i}@example.com`, segments: ['VIP'] }));
    const s = settings({ segmentIds: ['VIP'] });
    await db.query(
      `INSERT INTO exports (id, display_name, segment_ids, mapping, profile_limit, on_limit_exceeded, created_by)
       VALUES ($1, 'Export', '["VIP"]', $2, 100000, 'fail', 'tester')`,
      [EXPORT, JSON.stringify(s.mapping)],
    );
    await profiles(all);
    await deliveredRun('run-1', s);
    expect(await syncKeys()).toHaveLength(n);
    await profiles([{ ...all[3], segments: [] }]);

    const plan = await planRun('run-2', s);

    const [{ mode }] = await db.query<{ mode: string }>("SELECT mode FROM runs WHERE id = 'run-2'");
    expect(mode).toBe('incremental');
    // Fewer items than members: the unchanged beyond the examples are only counted.
    const [{ items }] = await db.query<{ items: number }>("SELECT count(*)::int AS items FROM run_items WHERE run_id = 'run-2'");
    expect(items).toBeLessThan(n - 1);
    expect(plan).toEqual({ removals: 1, gate: [] });
    expect((await readRemovals(db, 'run-2', 0, n)).map((r) => r.email)).toEqual(['m3@example.com']);
  });
});

describe('removals an admin did not decide', () => {
  const heldOf = async (runId: string) => (await db.query<{ held: unknown }>('SELECT removals_held AS held FROM runs WHERE id = $1', [runId]))[0].held;

  it('never removes a membership another export holds as delivered to the same list', async () => {
    await profiles([{ id: 'p1', email: 'ann@example.com', segments: ['VIP'] }]);
    await delivered([
      { segment: 'VIP', email: 'bob@example.com' },
      { segment: 'VIP', email: 'cat@example.com' },
      // exp-2 fed the same list (a list of the same name) and still believes bob is on it.
      { segment: 'VIP', email: 'BOB@example.com', exportId: 'exp-2' },
    ]);
    const plan = await planRun('run-1', settings({ segmentIds: ['VIP'], maxRemovalShare: 1 }));
    expect(plan).toEqual({ removals: 1, gate: [] });
    expect((await readRemovals(db, 'run-1', 0, 10)).map((r) => r.email)).toEqual(['cat@example.com']);
    expect(await heldOf('run-1')).toEqual({ [RemovalHeld.DELIVERED_BY_ANOTHER_EXPORT]: 1 });
  });

  it('plans none in a run made full by a mapping change, forgets them so no later run removes them, and a dry run only counts them', async () => {
    await db.query(
      `INSERT INTO profiles (id, attributes) VALUES ('p1', '{"EmailAddress":"ann@example.com","Work":"ann@work.example"}'),
       ('p2', '{"EmailAddress":"bob@example.com","Work":"bob@work.example"}')`,
    );
    await db.query("INSERT INTO segment_members (segment_id, profile_id) VALUES ('VIP', 'p1'), ('VIP', 'p2')");
    const before = settings({ segmentIds: ['VIP'], maxRemovalShare: 1 });
    await deliveredRun('run-1', before);
    expect(await syncKeys()).toEqual(['VIP:ann@example.com', 'VIP:bob@example.com']);
    // Every email the export delivered looks gone under the new email attribute.
    const after = { ...before, mapping: { email: 'Work' } };

    expect(await planRun('dry-1', { ...after, dryRun: true })).toEqual({});
    expect(await heldOf('dry-1')).toEqual({ [RemovalHeld.SETTINGS_CHANGED]: 2 });
    expect(await syncKeys()).toHaveLength(2);

    expect(await planRun('run-2', after)).toEqual({});
    expect(await heldOf('run-2')).toEqual({ [RemovalHeld.SETTINGS_CHANGED]: 2 });
    expect(await syncKeys()).toEqual([]);
    // A retried freeze keeps the reason: its first attempt marked the new settings as planned.
    expect((await snapshotRun(db, 'run-2', after, autopilotDestination)).removals).toBeUndefined();

    const items = await readBatches(db, 'run-2', 0, 10);
    await recordSentBatch(db, 'run-2', 0, items.map((i) => ({ seq: i.seq, status: 'exported' as const })), LISTS);
    expect(await planRun('run-3', after)).toEqual({ removals: 0, gate: [] });
    expect(await heldOf('run-3')).toBeNull();
  });
});

describe('the removal gate', () => {
  it('is more than the share of a list, not equal to it', () => {
    expect(overShare(1, 10, 0.1)).toBe(false);
    expect(overShare(2, 10, 0.1)).toBe(true);
    expect(overShare(0, 0, 0.1)).toBe(false);
    expect(overShare(1, 1, 1)).toBe(false);
  });

  it('names each list over the share with its removals and delivered members, and records it on the run', async () => {
    // VIP: 4 delivered, 2 stay (50 % leave); Loyalty: 10 delivered, 9 stay (10 % leave, not over 10 %).
    const stay = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    await profiles(stay.map((n, i) => ({ id: `p${i}`, email: `${n}@example.com`, segments: i < 2 ? ['VIP', 'Loyalty'] : ['Loyalty'] })));
    await delivered([
      ...['a', 'b', 'x', 'y'].map((n) => ({ segment: 'VIP', email: `${n}@example.com` })),
      ...[...stay, 'z'].map((n) => ({ segment: 'Loyalty', email: `${n}@example.com` })),
    ]);

    const plan = await planRun('run-1');

    expect(plan).toEqual({ removals: 3, gate: [{ segmentId: 'VIP', removals: 2, members: 4 }] });
    expect(await readRemovalGate(db, 'run-1')).toEqual({ lists: [{ segmentId: 'VIP', listId: 'contactlist_VIP', removals: 2, members: 4 }] });
    await recordRemovalApproval(db, 'run-1', 'alice');
    expect(await readRemovalGate(db, 'run-1')).toMatchObject({ approvedBy: 'alice', approvedAt: expect.any(String) });
  });

  it('uses the export\'s share, 10 % by default', async () => {
    await profiles(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n, i) => ({ id: `p${i}`, email: `${n}@example.com`, segments: ['VIP'] })));
    await delivered(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'x', 'y'].map((n) => ({ segment: 'VIP', email: `${n}@example.com` })));
    expect((await planRun('run-1', settings({ segmentIds: ['VIP'] }))).gate).toEqual([{ segmentId: 'VIP', removals: 2, members: 10 }]);
    expect((await planRun('run-2', settings({ segmentIds: ['VIP'], maxRemovalShare: 0.2 }))).gate).toEqual([]);
  });
});

describe('recordRemovals', () => {
  beforeEach(async () => {
    await profiles([{ id: 'p1', email: 'ann@example.com', segments: ['VIP'] }]);
    await delivered([
      { segment: 'VIP', email: 'ann@example.com' },
      { segment: 'VIP', email: 'bob@example.com' },
      { segment: 'VIP', email: 'cat@example.com' },
      // Refused when exp-2 sent it: exp-2 does not hold it as delivered, so exp-1 may remove it.
      { segment: 'VIP', email: 'bob@example.com', exportId: 'exp-2', status: 'rejected' },
    ]);
    await planRun('run-1', settings({ segmentIds: ['VIP'], maxRemovalShare: 1 }));
  });

  it('deletes a removed membership\'s sync state with the mark, and keeps a failed one with its reason', async () => {
    await recordRemovals(db, 'run-1', [
      { seq: 0, status: 'removed' },
      { seq: 1, status: 'failed', reason: 'Autopilot answered 400 Bad Request' },
    ]);
    expect(await syncKeys()).toEqual(['VIP:ann@example.com', 'VIP:cat@example.com']);
    // The other export's delivery of the same email to a list of the same name is its own.
    expect(await syncKeys('exp-2')).toEqual(['VIP:bob@example.com']);
    const rows = await db.query('SELECT seq, status, reason FROM run_removals WHERE run_id = $1 ORDER BY seq', ['run-1']);
    expect(rows).toEqual([
      { seq: 0, status: 'removed', reason: null },
      { seq: 1, status: 'failed', reason: 'Autopilot answered 400 Bad Request' },
    ]);
    expect(await countRemovals(db, 'run-1')).toEqual({ planned: 2, removed: 1, failed: 1, kept: 0, pending: 0 });
  });

  it('never takes back a removal, and a retried failure that succeeds is removed', async () => {
    await recordRemovals(db, 'run-1', [{ seq: 0, status: 'removed' }, { seq: 1, status: 'failed', reason: 'no' }]);
    await recordRemovals(db, 'run-1', [{ seq: 0, status: 'failed', reason: 'late' }, { seq: 1, status: 'removed' }]);
    expect((await readRemovals(db, 'run-1', 0, 2)).map((r) => r.status)).toEqual(['removed', 'removed']);
    expect(await syncKeys()).toEqual(['VIP:ann@example.com']);
    await expect(recordRemovals(db, 'run-1', [])).resolves.toBeUndefined();
  });
});
