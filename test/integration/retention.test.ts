import { toSettings } from '../../store/exports';
import { detailsPurgedAt, RUN_DETAIL_TABLES } from '../../store/retention';
import { ensureRetentionSchedule } from '../../worker/retention-schedule';
import type { RetentionTotals } from '../../workflows/retention';
import { until } from '../helpers/assertions';
import { buildProfiles, loadProfiles } from '../helpers/profiles';
import { startTestStack, type TestStack } from '../helpers/stack';
import { recordHistories } from '../helpers/history';

const profiles = buildProfiles(400);

/** The real schedule, triggered by hand, purging what real runs wrote. */
describe('the retention schedule', () => {
  let stack: TestStack;
  let scheduleId: string;

  beforeAll(async () => {
    stack = await startTestStack();
    await loadProfiles(stack.db, profiles);
  });
  afterAll(async () => {
    if (scheduleId) await stack.client.schedule.getHandle(scheduleId).delete();
    await stack?.close();
  });

  async function detailRows(runId: string): Promise<number> {
    let rows = 0;
    for (const table of RUN_DETAIL_TABLES) {
      const [{ n }] = await stack.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE run_id = $1`, [runId]);
      rows += n;
    }
    return rows;
  }

  /** Triggers the schedule and waits for the workflow it started. */
  async function triggerAndWait(): Promise<RetentionTotals> {
    const handle = stack.client.schedule.getHandle(scheduleId);
    const before = (await handle.describe()).info.recentActions.length;
    await handle.trigger();
    const workflowId = await until('the triggered retention workflow', async () => {
      const { recentActions } = (await handle.describe()).info;
      return recentActions.length > before ? recentActions[recentActions.length - 1].action.workflow.workflowId : undefined;
    });
    const totals = await stack.client.workflow.getHandle<() => Promise<RetentionTotals>>(workflowId).result();
    await recordHistories(stack.client, workflowId, 'retention');
    return totals;
  }

  it("purges the details of runs past the retention age and keeps young runs' details and every summary", async () => {
    const connection = await stack.createConnection();
    const settings = toSettings({ ...(await stack.createExport({ connectionId: connection.id, segmentIds: ['A', 'B'] })), connectionId: connection.id });
    const old = await stack.run(settings);
    const young = await stack.run(settings);
    // The first run finished 40 days ago, as far as the store knows.
    await stack.db.query("UPDATE runs SET finished_at = finished_at - interval '40 days' WHERE id = $1", [old.runId]);
    expect(await detailRows(old.runId)).toBeGreaterThan(0);
    const youngRows = await detailRows(young.runId);

    scheduleId = await ensureRetentionSchedule(stack.client, stack.taskQueue);
    // Idempotent: a second worker start finds it and leaves one schedule.
    expect(await ensureRetentionSchedule(stack.client, stack.taskQueue)).toBe(scheduleId);
    const totals = await triggerAndWait();

    expect(totals).toMatchObject({ runsPurged: 1, runsDeleted: 0 });
    expect(totals.rowsDeleted).toBeGreaterThan(0);
    expect(await detailRows(old.runId)).toBe(0);
    expect(await detailsPurgedAt(stack.db, old.runId)).not.toBeNull();
    expect(await detailRows(young.runId)).toBe(youngRows);
    expect(await detailsPurgedAt(stack.db, young.runId)).toBeNull();
    const summaries = await stack.db.query<{ id: string; summary: unknown }>('SELECT id, summary FROM runs WHERE id = ANY($1)', [[old.runId, young.runId]]);
    expect(Object.fromEntries(summaries.map((r) => [r.id, r.summary]))).toEqual({ [old.runId]: old.counts, [young.runId]: young.counts });

    // The next time there is nothing left to do.
    expect(await triggerAndWait()).toEqual({ runsPurged: 0, runsDeleted: 0, rowsDeleted: 0 });
  });
});
