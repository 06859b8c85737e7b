import { countsAddUp, type RunCounts } from '../../domain/export';
import { exportWorkflowId } from '../../domain/ids';
import { RunSearchAttribute } from '../../domain/run-labels';
import { toSettings } from '../../store/exports';
import { pauseUpdate, resumeUpdate } from '../../workflows';
import { startApiStack, type ApiStack } from '../helpers/api-stack';
import { simContacts, until } from '../helpers/assertions';
import { allExecutions, recordHistories } from '../helpers/history';
import { buildProfiles, expectedExport, loadProfiles } from '../helpers/profiles';
import { TEST_API_KEY } from '../helpers/stack';

/** Operators watch runs in the Temporal UI and steer them through the API: both against a real server. */
describe('watching and steering a run', () => {
  let s: ApiStack;
  const profiles = buildProfiles(2_000);
  const SEGMENTS = ['A', 'B', 'C'];

  beforeAll(async () => {
    s = await startApiStack();
    await loadProfiles(s.db, profiles);
  });
  afterAll(() => s?.close());
  beforeEach(() => s.sim.sim.reset());

  async function createExport(displayName: string): Promise<{ exportId: string; connectionId: string }> {
    const connection = await s.api('POST', '/connections', {
      displayName: 'Marketing Autopilot', apiKey: TEST_API_KEY, usableBy: 'admins', privacyConsent: true, baseUrl: s.sim.url, requestsPerSecond: 5,
    });
    const created = await s.api('POST', '/exports', {
      displayName, connectionId: connection.body.id, segmentIds: SEGMENTS, mapping: { email: 'EmailAddress', firstName: 'FirstName', lastName: 'LastName' },
    });
    return { exportId: created.body.id, connectionId: connection.body.id };
  }
  const getRun = async (runId: string) => (await s.api('GET', `/runs/${runId}`)).body;
  const upserts = () => s.sim.sim.stats(TEST_API_KEY).upserts;
  const afterBatches = (n: number) => until(`${n} batches`, async () => (upserts() >= n ? true : undefined));
  const quietFor = async (ms: number) => {
    const before = upserts();
    await new Promise((r) => setTimeout(r, ms));
    return upserts() - before;
  };

  it('shows the run in Temporal with its search attributes, summary and live details', async () => {
    const { exportId, connectionId } = await createExport('VIP to Autopilot');
    const { runId } = (await s.api('POST', `/exports/${exportId}/runs`)).body;
    await afterBatches(3);

    const found = await until('the visibility query', async () => {
      for await (const w of s.client.workflow.list({ query: `ExportId = "${exportId}"` })) return w;
      return undefined;
    });
    expect(found.workflowId).toBe(exportWorkflowId(exportId));
    const attributes = found.typedSearchAttributes;
    expect(attributes.get(RunSearchAttribute.ExportName)).toBe('VIP to Autopilot');
    expect(attributes.get(RunSearchAttribute.ConnectionId)).toBe(connectionId);
    expect(attributes.get(RunSearchAttribute.RunTrigger)).toBe('manual');
    expect(attributes.get(RunSearchAttribute.TriggeredBy)).toBe('admin');

    const handle = s.client.workflow.getHandle(found.workflowId);
    expect(await (await handle.describe()).staticSummary()).toBe('VIP to Autopilot → Marketing Autopilot (Autopilot) · A, B, C');
    // Paused, the figures hold still: the UI's details and the API's progress must then agree.
    expect((await s.api('POST', `/runs/${runId}/pause`)).status).toBe(200);
    const { currentDetails } = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    const run = await getRun(runId);
    expect(currentDetails).toMatch(/waiting: paused by admin since/);
    const [, done, total] = /batches (\d+) \/ (\d+)/.exec(currentDetails) ?? [];
    expect(Number(total)).toBe(run.progress.batches);
    expect(Math.abs(Number(done) - run.progress.batchesDone)).toBeLessThanOrEqual(1);
    expect(currentDetails).toMatch(/profiles [\d,]+ · skipped \d+\n\nlist memberships sent [\d,]+ \/ [\d,]+ · rejected \d+/);
    await handle.cancel();
  });

  it('pauses between batches, refuses a second pause, and resumes to the same result as an uninterrupted run', async () => {
    const { exportId } = await createExport('Pausable');
    const { runId } = (await s.api('POST', `/exports/${exportId}/runs`)).body;
    await afterBatches(2);

    const paused = await s.api('POST', `/runs/${runId}/pause`);
    expect(paused.status).toBe(200);
    expect(await quietFor(2_500)).toBe(0);
    expect(await getRun(runId)).toMatchObject({ status: 'running', phase: 'paused', paused: { by: 'admin' } });
    const again = await s.api('POST', `/runs/${runId}/pause`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already paused \(by admin since/);

    expect((await s.api('POST', `/runs/${runId}/resume`)).status).toBe(200);
    const run = await until('the end', async () => {
      const r = await getRun(runId);
      return r.status === 'running' ? undefined : r;
    });
    expect(run.status).toBe('completed');
    expect(countsAddUp(run.counts as RunCounts)).toBe(true);
    const expected = expectedExport(profiles, SEGMENTS, /$^/);
    const held = simContacts(s.sim.sim, TEST_API_KEY);
    expect(new Set(held.keys())).toEqual(new Set(expected.contacts.keys()));
    for (const [email, contact] of expected.contacts) expect(held.get(email)).toEqual(contact);
    expect((await s.api('POST', `/runs/${runId}/resume`)).status).toBe(409);
    await recordHistories(s.client, exportWorkflowId(exportId), 'paused-resumed');
  });

  it('stays paused across a continue-as-new', async () => {
    const connection = await s.createConnection(TEST_API_KEY, 5);
    const e = await s.createExport({ connectionId: connection.id, segmentIds: SEGMENTS });
    const handle = await s.startRun(toSettings({ ...e, connectionId: connection.id }), { batchesPerExecution: 4, batchesPerActivity: 1 });
    await until('a continue-as-new', async () => ((await allExecutions(s.client, handle.workflowId)).length > 1 ? true : undefined));

    await handle.executeUpdate(pauseUpdate, { args: [{ by: 'tester' }] });
    expect(await quietFor(2_500)).toBe(0);
    await handle.executeUpdate(resumeUpdate, { args: [{ by: 'tester' }] });
    const { counts } = await handle.result();

    expect(counts.pending).toBe(0);
    expect(countsAddUp(counts)).toBe(true);
  });
});
