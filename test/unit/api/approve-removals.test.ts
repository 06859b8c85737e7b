import { exportWorkflowId } from '../../../domain/ids';
import { readRemovalGate } from '../../../store/removals';
import { closeRun } from '../../../store/runs';
import { createConnection, createExport } from './fixtures';
import { createHarness, HARNESS_TIMEOUT, json, seedProfiles, type Harness } from './harness';

let h: Harness;
let exportId: string;
beforeAll(async () => {
  h = await createHarness();
}, HARNESS_TIMEOUT);
beforeEach(async () => {
  await h.reset();
  await seedProfiles(h.db, 3);
  exportId = await createExport(h, await createConnection(h), { segmentIds: ['VIP'] });
});
afterAll(() => h.close());

/** A run going, held by its gate as the freeze records it. */
async function blockedRun(): Promise<string> {
  const { runId } = await json(await h.call('admin', 'POST', `/exports/${exportId}/runs`));
  const gate = { lists: [{ segmentId: 'VIP', listId: 'contactlist_1', removals: 5, members: 10 }] };
  await h.db.query('UPDATE runs SET removal_gate = $2 WHERE id = $1', [runId, JSON.stringify(gate)]);
  return runId;
}

describe('POST /runs/:runId/approve-removals', () => {
  it('sends the approval to the run, attributed to the admin, and records who approved', async () => {
    const runId = await blockedRun();
    const res = await h.call('admin', 'POST', `/runs/${runId}/approve-removals`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ runId, status: 'running', approvedBy: 'alice' });
    expect(h.runState.approvals).toEqual([{ workflowId: exportWorkflowId(exportId), runId, by: 'alice' }]);
    expect(await readRemovalGate(h.db, runId)).toMatchObject({ lists: [{ segmentId: 'VIP', removals: 5 }], approvedBy: 'alice' });
    expect(h.logs.some((l) => l.includes('Run removals approved'))).toBe(true);
  });

  it('is for admins only: a contributor who can see the run gets 403 and nothing is sent', async () => {
    const runId = await blockedRun();
    const res = await h.call('contributor', 'POST', `/runs/${runId}/approve-removals`);
    expect(res.status).toBe(403);
    expect(h.runState.approvals).toEqual([]);
    expect(await readRemovalGate(h.db, runId)).not.toHaveProperty('approvedBy');
    expect((await h.call('anonymous', 'POST', `/runs/${runId}/approve-removals`)).status).toBe(401);
  });

  it('answers 404 for an unknown run', async () => {
    const res = await h.call('admin', 'POST', '/runs/no-such-run/approve-removals');
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe('not_found');
    expect(h.runState.approvals).toEqual([]);
  });

  it('answers 409 with the run\'s reason when it is not waiting for approval, and records nothing', async () => {
    const runId = await blockedRun();
    h.runState.refuseApproval = 'The run is not waiting for approval of removals';
    const res = await h.call('admin', 'POST', `/runs/${runId}/approve-removals`);
    expect(res.status).toBe(409);
    expect((await json(res)).error).toMatchObject({ code: 'run_not_steerable', message: 'The run is not waiting for approval of removals' });
    expect(await readRemovalGate(h.db, runId)).not.toHaveProperty('approvedBy');
  });

  it('answers 409 for a run that is over, without asking the workflow', async () => {
    const runId = await blockedRun();
    await closeRun(h.db, runId, 'cancelled', { total: 0, exported: 0, pending: 0, skipped: {}, rejected: {} }, 'Cancelled');
    const res = await h.call('admin', 'POST', `/runs/${runId}/approve-removals`);
    expect(res.status).toBe(409);
    expect((await json(res)).error.code).toBe('run_not_running');
    expect(h.runState.approvals).toEqual([]);
  });
});
