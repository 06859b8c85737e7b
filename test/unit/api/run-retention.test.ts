import { purgeRunDetails } from '../../../store/retention';
import { createConnection, createExport } from './fixtures';
import { createHarness, HARNESS_TIMEOUT, json, seedProfiles, type Harness } from './harness';

const SUMMARY = { total: 2, exported: 1, pending: 0, skipped: { 'no email': 1 }, rejected: {} };

let h: Harness;
let exportId: string;
beforeAll(async () => {
  h = await createHarness();
}, HARNESS_TIMEOUT);
beforeEach(async () => {
  await h.reset();
  await seedProfiles(h.db, 2);
  exportId = await createExport(h, await createConnection(h));
});
afterAll(() => h.close());

/** A completed run of the export, finished `ageDays` ago, with one skipped profile. */
async function finishedRun(runId: string, ageDays: number): Promise<void> {
  await h.db.query(
    `INSERT INTO runs (id, export_id, workflow_id, trigger, status, total_profiles, summary, started_at, finished_at)
     VALUES ($1, $2, 'wf', 'manual', 'completed', 2, $3, now() - make_interval(days => $4) - interval '1 minute', now() - make_interval(days => $4))`,
    [runId, exportId, JSON.stringify(SUMMARY), ageDays],
  );
  await h.db.query("INSERT INTO run_items (run_id, seq, profile_id, segment_id, status, reason) VALUES ($1, 0, 'p1', 'VIP', 'skipped', 'no email')", [runId]);
}

describe('GET /runs/:id/outcomes after retention', () => {
  it('answers 410 run_details_purged for a purged run, while the run and its counts stay readable', async () => {
    await finishedRun('run-old', 40);
    await purgeRunDetails(h.db, { finishedBefore: new Date(Date.now() - 30 * 24 * 3600_000) });

    const res = await h.call('contributor', 'GET', '/runs/run-old/outcomes');
    expect(res.status).toBe(410);
    const { error } = await json(res);
    expect(error.code).toBe('run_details_purged');
    expect(error.message).toMatch(/deleted on .* under the retention policy; its counts remain at \/runs\/run-old/);
    expect(typeof error.details.detailsPurgedAt).toBe('string');

    const run = await json(await h.call('contributor', 'GET', '/runs/run-old'));
    expect(run.counts).toMatchObject({ total: 2, exported: 1, skipped: { 'no email': 1 } });
  });

  it('still lists the outcomes of a run inside the retention period', async () => {
    await finishedRun('run-young', 5);
    await purgeRunDetails(h.db, { finishedBefore: new Date(Date.now() - 30 * 24 * 3600_000) });

    const res = await h.call('contributor', 'GET', '/runs/run-young/outcomes');
    expect(res.status).toBe(200);
    expect((await json(res)).outcomes).toMatchObject([{ profileId: 'p1', status: 'skipped', reason: 'no email' }]);
  });
});
