import { randomUUID } from 'node:crypto';
import { createRunReconciler } from '../../../api/run-reconciler';
import type { RunEnding, RunLauncher } from '../../../api/ports';
import { openDb, type Db } from '../../../store/db';
import { getRun } from '../../../store/run-queries';
import { attachWorkflowRun, discardUnstartedRun, openRun, recordSkippedRun } from '../../../store/runs';

/** A run's record from its starter's open to its workflow's beginning, or to its start refused. */
let db: Db;
beforeAll(async () => {
  db = await openDb();
}, 60_000);
afterAll(() => db.close());

const trigger = { kind: 'schedule' as const, by: 'alice' };
async function opened(): Promise<string> {
  const runId = randomUUID();
  await openRun(db, { runId, exportId: 'e1', workflowId: 'export-e1', trigger });
  return runId;
}

describe("a run's record", () => {
  it('is opened by its starter without a workflow execution, which its workflow then records', async () => {
    const runId = await opened();
    expect(await getRun(db, runId)).toMatchObject({ status: 'running', workflowRunId: null, trigger: 'schedule', triggeredBy: 'alice' });
    expect(await attachWorkflowRun(db, runId, 'execution-1')).toBe(true);
    // A reset or a retried activity names it again: the execution it began in stays.
    expect(await attachWorkflowRun(db, runId, 'execution-2')).toBe(true);
    expect((await getRun(db, runId))?.workflowRunId).toBe('execution-1');
  });

  it('is discarded when its start is refused, and then its workflow (a start not confirmed) finds none', async () => {
    const runId = await opened();
    await discardUnstartedRun(db, runId);
    expect(await getRun(db, runId)).toBeUndefined();
    expect(await attachWorkflowRun(db, runId, 'execution-1')).toBe(false);
  });

  it('is kept when its workflow began before the starter gave up on it', async () => {
    const runId = await opened();
    await attachWorkflowRun(db, runId, 'execution-1');
    await discardUnstartedRun(db, runId);
    expect((await getRun(db, runId))?.status).toBe('running');
  });

  it("becomes the skipped trigger's record when its schedule's start is refused, but never a run that began", async () => {
    const skipped = await opened();
    await recordSkippedRun(db, { runId: skipped, exportId: 'e1', workflowId: 'export-e1', trigger, reason: 'a run of this export is already going' });
    expect(await getRun(db, skipped)).toMatchObject({ status: 'skipped', error: 'a run of this export is already going', totalProfiles: 0 });

    const began = await opened();
    await attachWorkflowRun(db, began, 'execution-1');
    await recordSkippedRun(db, { runId: began, exportId: 'e1', workflowId: 'export-e1', trigger, reason: 'a run of this export is already going' });
    expect((await getRun(db, began))?.status).toBe('running');
  });
});

describe('reconciling a record whose workflow has not recorded itself', () => {
  const asked: (string | undefined)[] = [];
  const launcher = { ending: async (_workflowId: string, workflowRunId: string | undefined): Promise<RunEnding | undefined> => {
    asked.push(workflowRunId);
    return { status: 'failed', reason: 'Its workflow never began' };
  } } as unknown as RunLauncher;

  it('leaves it alone while it is being started, then asks Temporal whether any workflow is going', async () => {
    const reconciler = createRunReconciler({ db, runs: launcher, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    const runId = await opened();
    expect((await reconciler.reconcile((await getRun(db, runId))!)).status).toBe('running');
    expect(asked).toEqual([]);

    await db.query("UPDATE runs SET started_at = now() - interval '2 minutes' WHERE id = $1", [runId]);
    expect(await reconciler.reconcile((await getRun(db, runId))!)).toMatchObject({ status: 'failed', error: 'Its workflow never began' });
    expect(asked).toEqual([undefined]);
  });
});
