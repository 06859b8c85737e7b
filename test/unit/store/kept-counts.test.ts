import { describeRun } from '../../../api/run-view';
import { autopilotDestination } from '../../../autopilot/destination';
import type { ExportSettings } from '../../../domain/export';
import { readBatches, recordSentBatch } from '../../../store/batches';
import { openDb, type Db } from '../../../store/db';
import { snapshotRun } from '../../../store/freeze';
import { importProfiles } from '../../../store/profiles';
import { getRun } from '../../../store/run-queries';
import { countOutcomes, keptCounts, openRun } from '../../../store/runs';
import { ensureExport } from '../../helpers/exports';
import { playScenarios } from '../../helpers/run-scenarios';

let db: Db;
beforeAll(async () => {
  db = await openDb();
}, 60_000);
afterAll(() => db.close());

describe("a run's kept counts", () => {
  it.each([1, 2, 3])('are those counted from its items at every step (scenario %i: four overlapping segments, refreshes, parking, retries, cut short, re-drive, dry run, mirror)', async (seed) => {
    const seen = new Set<string>();
    const runs = await playScenarios(db, {
      seed,
      profiles: 300,
      check: (kept, recomputed, at) => {
        expect({ at, counts: kept }).toEqual({ at, counts: recomputed });
        for (const [key, n] of Object.entries({ ...recomputed.skipped, ...recomputed.rejected, pending: recomputed.pending, removed: recomputed.removed ?? 0 })) if (n > 0) seen.add(key);
      },
    });
    expect(runs).toBe(8);
    // The scenario went where it should: every reason of its own, parked and unchanged profiles, refusals with and without a reason, removals.
    expect([...seen].sort()).toEqual(
      ['bounced', 'duplicate email', 'invalid address', 'invalid email', 'no email', 'pending', 'rejected before', 'removed', 'unchanged', 'unknown'].sort(),
    );
  }, 120_000);

  it('take the least reason of a profile refused in several segments, and "unknown" for a refusal that gave none', async () => {
    const s: ExportSettings = { exportId: 'exp-reasons', connectionId: 'conn-1', segmentIds: ['A', 'B'], mapping: { email: 'EmailAddress' }, profileLimit: 100, onLimitExceeded: 'fail', mode: 'full' };
    await ensureExport(db, s.exportId);
    await importProfiles(db, (async function* () {
      yield JSON.stringify({ id: 'r1', segments: ['A', 'B'], EmailAddress: 'r1@example.com' });
      yield JSON.stringify({ id: 'r2', segments: ['A', 'B'], EmailAddress: 'r2@example.com' });
    })());
    await openRun(db, { runId: 'run-reasons', exportId: s.exportId, workflowId: 'wf', trigger: { kind: 'manual' } });
    const plan = await snapshotRun(db, 'run-reasons', s, autopilotDestination);
    expect(plan.batches).toBe(2);
    const lists = { A: 'list-A', B: 'list-B' };
    // Batch 0 is segment A: r1 refused for "z", r2 sent. Batch 1 is B: r1 refused for "a", r2 refused without a reason.
    const [a, b] = [await readBatches(db, 'run-reasons', 0, 1), await readBatches(db, 'run-reasons', 1, 1)];
    await recordSentBatch(db, 'run-reasons', 0, [{ seq: a[0].seq, status: 'rejected', reason: 'z' }, { seq: a[1].seq, status: 'exported' }], lists);
    expect(await keptCounts(db, 'run-reasons')).toEqual({ total: 2, exported: 0, pending: 1, skipped: {}, rejected: { z: 1 } });
    await recordSentBatch(db, 'run-reasons', 1, [{ seq: b[0].seq, status: 'rejected', reason: 'a' }, { seq: b[1].seq, status: 'rejected' }], lists);
    expect(await keptCounts(db, 'run-reasons')).toEqual({ total: 2, exported: 0, pending: 0, skipped: {}, rejected: { a: 1, unknown: 1 } });
    expect(await keptCounts(db, 'run-reasons')).toEqual(await countOutcomes(db, 'run-reasons'));
  });
});

describe("reading a run's figures", () => {
  /**
   * Every statement GET /runs/:id makes of the store for a running run (its row, its counts), as
   * EXPLAIN ANALYZE runs them: rows produced by every plan node, summed. Counting from the run's
   * items would read ten times more for ten times the items.
   */
  async function rowsRead(runId: string): Promise<number> {
    const statements: { sql: string; params?: unknown[] }[] = [];
    const recording: Db = { ...db, query: async (sql, params) => (statements.push({ sql, params }), db.query(sql, params)) };
    const run = (await getRun(recording, runId))!;
    const view = await describeRun(run, { db: recording }, { admin: true });
    expect(view.counts.total).toBeGreaterThan(0);
    let rows = 0;
    for (const { sql, params } of statements) {
      const [{ 'QUERY PLAN': plan }] = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
      rows += nodeRows(plan[0].Plan);
    }
    return rows;
  }

  async function runOf(size: number): Promise<string> {
    const runId = `run-of-${size}`;
    const s: ExportSettings = { exportId: `exp-${size}`, connectionId: 'conn-1', segmentIds: [`Big${size}`], mapping: { email: 'EmailAddress' }, profileLimit: 100_000, onLimitExceeded: 'fail', mode: 'full' };
    await ensureExport(db, s.exportId);
    await importProfiles(db, (async function* () {
      for (let i = 0; i < size; i++) yield JSON.stringify({ id: `big${size}-${i}`, segments: [`Big${size}`], EmailAddress: i % 10 === 0 ? 'nope' : `big${size}-${i}@example.com` });
    })());
    await openRun(db, { runId, exportId: s.exportId, workflowId: 'wf', trigger: { kind: 'manual' } });
    await snapshotRun(db, runId, s, autopilotDestination);
    for (const batchNo of [0, 1, 2]) {
      const items = await readBatches(db, runId, batchNo, 1);
      await recordSentBatch(db, runId, batchNo, items.map((i, k) => (k === 0 ? { seq: i.seq, status: 'rejected' as const, reason: 'bounced' } : { seq: i.seq, status: 'exported' as const })), { [`Big${size}`]: 'list' });
    }
    return runId;
  }

  it('does not grow with the run: as many rows for 20,000 items as for 1,000', async () => {
    const [small, large] = [await runOf(1_000), await runOf(20_000)];
    expect(await keptCounts(db, large)).toEqual(await countOutcomes(db, large));
    const [smallRows, largeRows] = [await rowsRead(small), await rowsRead(large)];
    expect(smallRows).toBeLessThan(10);
    expect(largeRows).toBe(smallRows);
  }, 120_000);
});

interface PlanNode {
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

function nodeRows(node: PlanNode): number {
  return node['Actual Rows'] * node['Actual Loops'] + (node.Plans ?? []).reduce((sum, child) => sum + nodeRows(child), 0);
}
