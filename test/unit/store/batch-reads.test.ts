import { autopilotDestination } from '../../../autopilot/destination';
import type { ExportSettings } from '../../../domain/export';
import { readBatches, recordSentBatch } from '../../../store/batches';
import { openDb, type Db } from '../../../store/db';
import { snapshotRun } from '../../../store/freeze';
import { importProfiles } from '../../../store/profiles';
import { countOutcomes, keptCounts, openRun } from '../../../store/runs';
import { ensureExport } from '../../helpers/exports';

let db: Db;
beforeAll(async () => {
  db = await openDb();
}, 60_000);
afterAll(() => db.close());

const LISTS = { A: 'list-A', B: 'list-B', C: 'list-C' };

/** Three overlapping segments, with skipped profiles (no, invalid, duplicate email) among the sent ones. */
async function frozenRun(runId: string, batchSize: number): Promise<number> {
  const s: ExportSettings = { exportId: `exp-${runId}`, connectionId: 'conn-1', segmentIds: ['A', 'B', 'C'], mapping: { email: 'EmailAddress' }, profileLimit: 100_000, onLimitExceeded: 'fail', mode: 'full' };
  await ensureExport(db, s.exportId);
  await importProfiles(db, (async function* () {
    for (let i = 0; i < 700; i++) {
      const email = i % 11 === 0 ? undefined : i % 13 === 0 ? `nope-${i}` : i % 17 === 0 ? ` P${i - 1}@Example.com` : `p${i}@example.com`;
      yield JSON.stringify({ id: `${runId}-${String(i).padStart(4, '0')}`, segments: ['A', 'B', 'C'].filter((_, k) => (i + k) % 3 !== 0), ...(email && { EmailAddress: email }) });
    }
  })());
  await openRun(db, { runId, exportId: s.exportId, workflowId: 'wf', trigger: { kind: 'manual' } });
  return (await snapshotRun(db, runId, s, { ...autopilotDestination, batchSize }, LISTS)).batches;
}

/** A batch's items as its number says, among all the run's items. */
async function byNumber(runId: string, first: number, last: number) {
  return db.query<{ seq: number }>('SELECT seq FROM run_items WHERE run_id = $1 AND batch_no BETWEEN $2 AND $3 ORDER BY batch_no, seq', [runId, first, last]);
}

describe("a run's batches", () => {
  it('are read through the primary key, from where the freeze says each starts, the same items as their numbers say', async () => {
    const batches = await frozenRun('run-starts', 7);
    expect(batches).toBeGreaterThan(20);
    for (const [first, count] of [[0, 1], [3, 1], [5, 4], [batches - 1, 1], [batches - 3, 3]]) {
      const items = await readBatches(db, 'run-starts', first, count);
      expect(items.map((i) => i.seq)).toEqual((await byNumber('run-starts', first, first + count - 1)).map((i) => i.seq));
    }
    // Only the batch's own stretch of items is looked at, not every item of the run.
    const [{ 'QUERY PLAN': plan }] = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM run_items i WHERE i.run_id = $1 AND i.seq >= (SELECT batch_starts[$2::int + 1] FROM runs WHERE id = $1) AND i.seq < (SELECT batch_starts[$2::int + 2] FROM runs WHERE id = $1)`,
      ['run-starts', 4],
    );
    expect(scanned(plan[0].Plan, 'run_items')).toBeGreaterThanOrEqual(7);
    expect(scanned(plan[0].Plan, 'run_items')).toBeLessThan(30);
  });

  it('of a run planned before the starts were kept are found by their numbers, and recorded alike', async () => {
    const batches = await frozenRun('run-before', 10);
    await db.query('UPDATE runs SET batch_starts = NULL WHERE id = $1', ['run-before']);
    for (let b = 0; b < batches; b++) {
      const items = await readBatches(db, 'run-before', b, 1);
      expect(items.map((i) => i.seq)).toEqual((await byNumber('run-before', b, b)).map((i) => i.seq));
      await recordSentBatch(db, 'run-before', b, items.map((i, k) => (k === 0 ? { seq: i.seq, status: 'rejected' as const, reason: 'bounced' } : { seq: i.seq, status: 'exported' as const })), LISTS);
    }
    const counts = await countOutcomes(db, 'run-before');
    expect(counts.pending).toBe(0);
    expect(await keptCounts(db, 'run-before')).toEqual(counts);
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** Rows of `relation` the plan read (returned or filtered out). */
function scanned(node: PlanNode, relation: string): number {
  const own = node['Relation Name'] === relation ? (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0)) * node['Actual Loops'] : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + scanned(child, relation), 0);
}
