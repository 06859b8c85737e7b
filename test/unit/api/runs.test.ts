import { exportWorkflowId } from '../../../domain/ids';
import { createExportStore, toSettings } from '../../../store/exports';
import { importProfiles } from '../../../store/profiles';
import { readBatches, recordSentBatch } from '../../../store/batches';
import { snapshotRun } from '../../../store/freeze';
import { getRun, listRuns } from '../../../store/run-queries';
import { closeRun, countOutcomes, keptCounts } from '../../../store/runs';
import { createConnection, createExport } from './fixtures';
import { createHarness, HARNESS_TIMEOUT, json, seedProfiles, type Harness } from './harness';
import { autopilotDestination } from '../../../autopilot/destination';

const LISTS = { VIP: 'contactlist_vip', Loyalty: 'contactlist_loyalty' };
let h: Harness;
let exportId: string;
beforeAll(async () => {
  h = await createHarness();
}, HARNESS_TIMEOUT);
beforeEach(async () => {
  await h.reset();
  await seedProfiles(h.db, 5);
  // p006 has no email and p007 repeats p001's: both are skipped.
  await importProfiles(h.db, (async function* () {
    yield JSON.stringify({ id: 'p006', segments: ['VIP'] });
    yield JSON.stringify({ id: 'p007', segments: ['VIP'], EmailAddress: 'person1@example.com' });
  })());
  exportId = await createExport(h, await createConnection(h), { segmentIds: ['VIP', 'Loyalty'] });
});
afterAll(() => h.close());

/** Starts a run through the API, then plays the workflow's part: freeze the items, send batch 0 (p003 refused). */
async function startedRun(): Promise<string> {
  const res = await h.call('admin', 'POST', `/exports/${exportId}/runs`);
  const { runId } = await json(res);
  const e = (await createExportStore(h.db).get(exportId))!;
  await snapshotRun(h.db, runId, toSettings({ ...e, connectionId: e.connectionId! }), autopilotDestination);
  const batch = await readBatches(h.db, runId, 0, 1);
  await recordSentBatch(h.db, runId, 0, batch.map((i) => (i.profileId === 'p003' ? { seq: i.seq, status: 'rejected', reason: 'refused by Autopilot' } : { seq: i.seq, status: 'exported' })), LISTS);
  await h.db.query("UPDATE runs SET started_at = now() - interval '10 seconds' WHERE id = $1", [runId]);
  // What the run keeps as it goes is what its items say.
  expect(await keptCounts(h.db, runId)).toEqual(await countOutcomes(h.db, runId));
  return runId;
}

describe('POST /exports/:id/runs', () => {
  it('starts a manual run attributed to the caller and answers 202 with where to look', async () => {
    const res = await h.call('admin', 'POST', `/exports/${exportId}/runs`);
    expect(res.status).toBe(202);
    const body = await json(res);
    expect(res.headers.get('location')).toBe(`/runs/${body.runId}`);
    expect(body.links).toEqual({ self: `/runs/${body.runId}`, outcomes: `/runs/${body.runId}/outcomes` });
    const started = h.runState.going.get(exportWorkflowId(exportId))!;
    expect(started.trigger).toEqual({ kind: 'manual', by: 'alice' });
    expect(started.settings).toMatchObject({ exportId, segmentIds: ['VIP', 'Loyalty'], mapping: { email: 'EmailAddress' } });
    expect((await json(await h.call('admin', 'GET', `/runs/${body.runId}`))).status).toBe('running');
  });

  it('names the run by the id it minted, apart from the workflow execution it began in', async () => {
    const { runId } = await json(await h.call('admin', 'POST', `/exports/${exportId}/runs`));
    const started = h.runState.going.get(exportWorkflowId(exportId))!;
    expect(started.runId).toBe(runId);
    expect(await getRun(h.db, runId)).toMatchObject({ workflowId: exportWorkflowId(exportId), workflowRunId: started.workflowRunId, trigger: 'manual', triggeredBy: 'alice' });
    expect(started.workflowRunId).not.toBe(runId);
    expect((await json(await h.call('admin', 'GET', `/runs/${runId}`))).workflow).toEqual({ id: exportWorkflowId(exportId), runId: started.workflowRunId });
  });

  it('answers 409 with the running run\'s id when one is going, and keeps no record of the refused start', async () => {
    const { runId } = await json(await h.call('admin', 'POST', `/exports/${exportId}/runs`));
    const res = await h.call('contributor', 'POST', `/exports/${exportId}/runs`);
    expect(res.status).toBe(409);
    expect((await json(res)).error).toMatchObject({ code: 'run_in_progress', details: { runId } });
    expect((await listRuns(h.db, exportId, 10)).map((r) => r.id)).toEqual([runId]);
  });

  it('answers 409 for an export whose connection was removed', async () => {
    const { connectionId } = await json(await h.call('admin', 'GET', `/exports/${exportId}`));
    await h.call('admin', 'DELETE', `/connections/${connectionId}?detach=true`);
    const res = await h.call('admin', 'POST', `/exports/${exportId}/runs`);
    expect(res.status).toBe(409);
    expect((await json(res)).error.code).toBe('export_inactive');
  });
});

describe('GET /runs/:runId', () => {
  it('combines the stored counts with live progress while running', async () => {
    const runId = await startedRun();
    h.runState.progress = { phase: 'exporting', totalProfiles: 7, batches: 2, batchesDone: 1, exportedItems: 2, rejectedItems: 1 };
    const run = await json(await h.call('contributor', 'GET', `/runs/${runId}`));
    // 3 of 7 profiles are done (skipped or rejected); 4 wait to be sent.
    expect(run).toMatchObject({ status: 'running', phase: 'exporting', percent: 42.8, trigger: 'manual', triggeredBy: 'alice' });
    expect(run.counts).toEqual({ total: 7, exported: 0, pending: 4, skipped: { 'no email': 1, 'duplicate email': 1 }, rejected: { 'refused by Autopilot': 1 } });
    expect(run.throughput).toBeCloseTo(0.1, 1);
    expect(run.etaSeconds).toBeGreaterThan(30);
    expect(run.etaSeconds).toBeLessThan(45);
    // The history shows the same counts while the run goes.
    expect((await json(await h.call('contributor', 'GET', `/exports/${exportId}/runs`))).runs[0].counts).toEqual(run.counts);
  });

  it('counts percent from the store when the workflow does not answer', async () => {
    const runId = await startedRun();
    const run = await json(await h.call('admin', 'GET', `/runs/${runId}`));
    expect(run).toMatchObject({ phase: null, percent: 42.8 });
  });

  it('keeps what was never sent as pending when a run is cancelled, so its counts add up below 100 %', async () => {
    const runId = await startedRun();
    await closeRun(h.db, runId, 'cancelled', await countOutcomes(h.db, runId), 'Cancelled by alice');
    h.runState.going.clear();
    const run = await json(await h.call('admin', 'GET', `/runs/${runId}`));
    expect(run).toMatchObject({ status: 'cancelled', percent: 42.8, error: 'Cancelled by alice', counts: { total: 7, pending: 4 } });
    const listed = await json(await h.call('admin', 'GET', `/exports/${exportId}/runs`));
    expect(listed.runs[0].counts).toEqual(run.counts);
  });

  it('shows a finished run with its final counts', async () => {
    const runId = await startedRun();
    await recordSentBatch(h.db, runId, 1, (await readBatches(h.db, runId, 1, 1)).map((i) => ({ seq: i.seq, status: 'exported' as const })), LISTS);
    const counts = await countOutcomes(h.db, runId);
    expect(await keptCounts(h.db, runId)).toEqual(counts);
    await closeRun(h.db, runId, 'completed', counts);
    h.runState.going.clear();
    const run = await json(await h.call('admin', 'GET', `/runs/${runId}`));
    expect(run).toMatchObject({ status: 'completed', percent: 100, etaSeconds: null, counts: { total: 7, exported: 4 } });
    expect(run.finishedAt).not.toBeNull();
    const list = await json(await h.call('admin', 'GET', `/exports/${exportId}/runs`));
    expect(list.runs).toEqual([expect.objectContaining({ id: runId, status: 'completed', trigger: 'manual', triggeredBy: 'alice', counts })]);
  });

  it('404s unknown runs', async () => {
    expect((await h.call('admin', 'GET', '/runs/nope')).status).toBe(404);
  });
});

describe('POST /runs/:runId/cancel', () => {
  it('asks the run to stop, and answers 409 once it is not going', async () => {
    const runId = await startedRun();
    const res = await h.call('contributor', 'POST', `/runs/${runId}/cancel`);
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ runId, status: 'cancelling' });
    expect(h.runState.going.size).toBe(0);
    expect((await h.call('contributor', 'POST', `/runs/${runId}/cancel`)).status).toBe(409);
  });
});

describe('GET /runs/:runId/outcomes', () => {
  it('lists skipped and rejected profiles with their email and reason, page by page', async () => {
    const runId = await startedRun();
    const first = await json(await h.call('admin', 'GET', `/runs/${runId}/outcomes?limit=2`));
    expect(first.outcomes).toEqual([
      { profileId: 'p003', email: 'person3@example.com', status: 'rejected', reason: 'refused by Autopilot', sentAs: null },
      { profileId: 'p006', email: null, status: 'skipped', reason: 'no email', sentAs: null },
    ]);
    const second = await json(await h.call('admin', 'GET', `/runs/${runId}/outcomes?limit=2&cursor=${first.nextCursor}`));
    const duplicate = { profileId: 'p007', email: 'person1@example.com', status: 'skipped', reason: 'duplicate email', sentAs: 'p001' };
    expect(second).toEqual({ outcomes: [duplicate], nextCursor: null });
    const rejected = await json(await h.call('admin', 'GET', `/runs/${runId}/outcomes?status=rejected`));
    expect(rejected.outcomes.map((o: { profileId: string }) => o.profileId)).toEqual(['p003']);
  });

  it('shows contributors no value the run did not classify as an email; admins see it', async () => {
    await importProfiles(h.db, (async function* () {
      yield JSON.stringify({ id: 'p008', segments: ['VIP'], EmailAddress: 'SSN 078-05-1120' });
    })());
    const runId = await startedRun();
    const find = async (as: 'admin' | 'contributor') =>
      (await json(await h.call(as, 'GET', `/runs/${runId}/outcomes?status=skipped`))).outcomes.find((o: { profileId: string }) => o.profileId === 'p008');
    expect(await find('admin')).toMatchObject({ email: 'SSN 078-05-1120', reason: 'invalid email' });
    expect(await find('contributor')).toMatchObject({ email: null, reason: 'invalid email' });
    const duplicate = (await json(await h.call('contributor', 'GET', `/runs/${runId}/outcomes?status=skipped`))).outcomes.find((o: { profileId: string }) => o.profileId === 'p007');
    expect(duplicate.email).toBe('person1@example.com');
  });

  it('shows the values the run used, whatever the profile and the mapping became since', async () => {
    const runId = await startedRun();
    await importProfiles(h.db, (async function* () {
      yield JSON.stringify({ id: 'p003', segments: ['VIP'], EmailAddress: 'changed@example.com' });
    })());
    expect((await h.call('admin', 'PATCH', `/exports/${exportId}`, { mapping: { email: 'FirstName' } })).status).toBe(200);
    const rejected = await json(await h.call('admin', 'GET', `/runs/${runId}/outcomes?status=rejected`));
    expect(rejected.outcomes[0]).toMatchObject({ profileId: 'p003', email: 'person3@example.com' });
  });

  it.each(['status=exported', 'limit=0', 'limit=abc', 'cursor=not%20a%20cursor', 'cursor=AA', 'extra=1'])('refuses ?%s with 400', async (query) => {
    const runId = await startedRun();
    const res = await h.call('admin', 'GET', `/runs/${runId}/outcomes?${query}`);
    expect(res.status).toBe(400);
    expect((await json(res)).error.details.issues[0].in).toBe('query');
  });
});

describe('POST /exports/run-scheduled', () => {
  it('starts every scheduled, active export now and skips the one already running', async () => {
    const connectionId = await createConnection(h);
    const daily = { schedule: { cron: '0 6 * * *', timezone: 'UTC' } };
    const [scheduled, running] = [await createExport(h, connectionId, daily), await createExport(h, connectionId, daily)];
    await createExport(h, connectionId); // no schedule: left alone
    const going = await json(await h.call('admin', 'POST', `/exports/${running}/runs`));

    const res = await h.call('admin', 'POST', '/exports/run-scheduled');

    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.started).toEqual([{ exportId: scheduled, runId: expect.any(String) }]);
    expect(body.skipped).toEqual([{ exportId: running, reason: 'a run of this export is already going', runId: going.runId }]);
    expect(h.runState.going.get(exportWorkflowId(scheduled))?.trigger).toEqual({ kind: 'manual', by: 'alice' });
  });

  it('is for admins', async () => {
    expect((await h.call('contributor', 'POST', '/exports/run-scheduled')).status).toBe(403);
  });
});

describe('run visibility', () => {
  it('hides runs of exports a contributor cannot see', async () => {
    const hidden = await createExport(h, await createConnection(h, { usableBy: 'admins' }));
    const { runId } = await json(await h.call('admin', 'POST', `/exports/${hidden}/runs`));
    for (const path of [`/runs/${runId}`, `/runs/${runId}/outcomes`, `/exports/${hidden}/runs`]) {
      expect((await h.call('contributor', 'GET', path)).status).toBe(404);
    }
    expect((await h.call('contributor', 'POST', `/runs/${runId}/cancel`)).status).toBe(404);
  });
});

describe('dry runs and run modes', () => {
  const started = () => h.runState.going.get(exportWorkflowId(exportId))!;

  it('starts a dry run, or a full one, when the body asks; an empty body asks for nothing', async () => {
    const dry = await h.call('admin', 'POST', `/exports/${exportId}/runs`, { dryRun: true, mode: 'full' });
    expect(dry.status).toBe(202);
    expect(started().settings).toMatchObject({ dryRun: true, mode: 'full' });
    const { runId } = await json(dry);
    expect(await json(await h.call('admin', 'GET', `/runs/${runId}`))).toMatchObject({ dryRun: true, mode: null, redriveOf: null, plan: null });
    h.runState.going.clear();

    // A JSON content type with no body at all (as `curl -H 'Content-Type: application/json' -X POST` sends).
    const empty = await h.call('admin', 'POST', `/exports/${exportId}/runs`, '');
    expect(empty.status).toBe(202);
    expect(started().settings).toMatchObject({ mode: 'incremental' });
    expect(started().settings.dryRun).toBeUndefined();
  });

  it.each([
    ['a value of the wrong type', { dryRun: 'yes' }, 'dryRun'],
    ['an unknown mode', { mode: 'partial' }, 'mode'],
    ['an unknown field', { dryrun: true }, 'dryrun'],
    ['not an object', [true], undefined],
    ['not JSON', '{dryRun:', undefined],
  ])('refuses %s with 400 and starts nothing', async (_what, body, path) => {
    const res = await h.call('admin', 'POST', `/exports/${exportId}/runs`, body);
    expect(res.status).toBe(400);
    const { error } = await json(res);
    expect(error.code).toBe('invalid_request');
    if (path) expect(error.details.issues[0].path).toEqual([path]);
    expect(h.runState.going.size).toBe(0);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const res = await h.app.request(`/exports/${exportId}/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'text/plain' },
      body: 'dry run please',
    });
    expect(res.status).toBe(415);
    expect(h.runState.going.size).toBe(0);
  });

  it("shows a dry run's plan: what it would add, update and skip, with examples; contributors see no unclassified value", async () => {
    await importProfiles(h.db, (async function* () {
      yield JSON.stringify({ id: 'p008', segments: ['VIP'], EmailAddress: 'SSN 078-05-1120' });
    })());
    const { runId } = await json(await h.call('admin', 'POST', `/exports/${exportId}/runs`, { dryRun: true }));
    await snapshotRun(h.db, runId, started().settings, autopilotDestination);
    await closeRun(h.db, runId, 'completed', await countOutcomes(h.db, runId));
    h.runState.going.clear();

    const run = await json(await h.call('admin', 'GET', `/runs/${runId}`));

    // 5 sendable profiles (p001–p005) over VIP (odd ones) and Loyalty (all): 8 deliveries, all new.
    expect(run).toMatchObject({ status: 'completed', dryRun: true, mode: 'incremental', counts: { total: 8, pending: 5, exported: 0 } });
    expect(run.plan).toMatchObject({ toAdd: 8, toUpdate: 0, unchanged: 0, toRemove: 0, skipped: { 'no email': 1, 'duplicate email': 1, 'invalid email': 1 } });
    expect(run.plan.examples.toAdd[0]).toEqual({ profileId: 'p001', email: 'person1@example.com', segmentId: 'VIP' });
    expect(run.plan.examples['invalid email']).toEqual([{ profileId: 'p008', email: 'SSN 078-05-1120', segmentId: 'VIP' }]);
    const seen = await json(await h.call('contributor', 'GET', `/runs/${runId}`));
    expect(seen.plan.examples['invalid email']).toEqual([{ profileId: 'p008', email: null, segmentId: 'VIP' }]);
    const listed = await json(await h.call('admin', 'GET', `/exports/${exportId}/runs`));
    expect(listed.runs[0]).toMatchObject({ id: runId, dryRun: true, mode: 'incremental', redriveOf: null });
  });

  it('shows no plan for a run that is not a dry run', async () => {
    const runId = await startedRun();
    expect((await json(await h.call('admin', 'GET', `/runs/${runId}`))).plan).toBeNull();
  });
});

describe('POST /runs/:runId/redrive', () => {
  /** startedRun, ended: p003 was refused, batch 1 never sent. */
  async function endedRun(status: 'completed' | 'failed'): Promise<string> {
    const runId = await startedRun();
    await closeRun(h.db, runId, status, await countOutcomes(h.db, runId));
    h.runState.going.clear();
    return runId;
  }

  it("starts a full run of the export's current settings, of what the run did not deliver, for contributors too", async () => {
    const runId = await endedRun('completed');

    const res = await h.call('contributor', 'POST', `/runs/${runId}/redrive`);

    expect(res.status).toBe(202);
    const body = await json(res);
    expect(res.headers.get('location')).toBe(`/runs/${body.runId}`);
    const going = h.runState.going.get(exportWorkflowId(exportId))!;
    expect(going.settings).toMatchObject({ exportId, redriveOf: runId, mode: 'full', segmentIds: ['VIP', 'Loyalty'] });
    expect(going.trigger).toEqual({ kind: 'manual', by: 'carl' });
    expect(await json(await h.call('admin', 'GET', `/runs/${body.runId}`))).toMatchObject({ redriveOf: runId, dryRun: false });
  });

  it('answers 409 while a run of the export is going, and for the run itself while it goes', async () => {
    const runId = await endedRun('completed');
    const going = await json(await h.call('admin', 'POST', `/exports/${exportId}/runs`));
    const busy = await h.call('admin', 'POST', `/runs/${runId}/redrive`);
    expect(busy.status).toBe(409);
    expect((await json(busy)).error).toMatchObject({ code: 'run_in_progress', details: { runId: going.runId } });
    expect((await json(await h.call('admin', 'POST', `/runs/${going.runId}/redrive`))).error.code).toBe('run_in_progress');
  });

  it('answers 409 nothing_to_redrive for a run without rejected, parked or unsent profiles', async () => {
    const runId = await startedRun();
    await h.db.query("UPDATE run_items SET status = 'pending', reason = NULL WHERE run_id = $1 AND status = 'rejected'", [runId]);
    await recordSentBatch(h.db, runId, 1, (await readBatches(h.db, runId, 1, 1)).map((i) => ({ seq: i.seq, status: 'exported' as const })), LISTS);
    await closeRun(h.db, runId, 'completed', await countOutcomes(h.db, runId));
    h.runState.going.clear();
    const res = await h.call('admin', 'POST', `/runs/${runId}/redrive`);
    expect(res.status).toBe(409);
    expect((await json(res)).error.code).toBe('nothing_to_redrive');
    expect(h.runState.going.size).toBe(0);
  });

  it('takes what a failed run never sent too', async () => {
    const runId = await endedRun('failed');
    expect((await h.call('admin', 'POST', `/runs/${runId}/redrive`)).status).toBe(202);
  });

  it('404s unknown runs and runs the caller cannot see', async () => {
    expect((await h.call('admin', 'POST', '/runs/nope/redrive')).status).toBe(404);
    const hidden = await createExport(h, await createConnection(h, { usableBy: 'admins' }));
    const { runId } = await json(await h.call('admin', 'POST', `/exports/${hidden}/runs`));
    expect((await h.call('contributor', 'POST', `/runs/${runId}/redrive`)).status).toBe(404);
  });
});
