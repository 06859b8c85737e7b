import { WorkflowFailedError } from '@temporalio/client';
import { countsAddUp, type RunCounts } from '../../domain/export';
import { exportWorkflowId } from '../../domain/ids';
import { scheduledExport } from '../../workflows';
import { ErrorType } from '../../domain/errors';
import { toSettings } from '../../store/exports';
import { getRun } from '../../store/run-queries';
import { allExecutions, historyText, recordHistories } from '../helpers/history';
import { buildProfiles, expectedExport, loadProfiles, type Expected } from '../helpers/profiles';
import { startTestStack, TEST_API_KEY, type TestStack } from '../helpers/stack';
import { innermostFailure, simContacts } from '../helpers/assertions';

const profiles = buildProfiles(2_500);
const SEGMENTS = ['A', 'B', 'C'];

describe('runExport', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ sim: { faults: { refuseEmails: '^refused-' } } });
    await loadProfiles(stack.db, profiles);
  });
  afterAll(() => stack?.close());
  beforeEach(() => stack.sim.sim.reset());

  async function exportSettings(overrides: Parameters<TestStack['createExport']>[0] | object = {}) {
    const connection = await stack.createConnection();
    const e = await stack.createExport({ connectionId: connection.id, segmentIds: SEGMENTS, ...overrides });
    return toSettings({ ...e, connectionId: connection.id });
  }

  function expectSimHolds(expected: Expected) {
    const held = simContacts(stack.sim.sim, TEST_API_KEY);
    expect(new Set(held.keys())).toEqual(new Set(expected.contacts.keys()));
    for (const [email, contact] of expected.contacts) expect(held.get(email)).toEqual(contact);
  }

  it('exports 2,500 profiles over overlapping segments, accounting for every one', async () => {
    const settings = await exportSettings();
    const expected = expectedExport(profiles, SEGMENTS);

    const handle = await stack.startRun(settings, { batchesPerExecution: 10 });
    const { counts } = await handle.result();

    expect(counts).toEqual({
      total: expected.total,
      exported: expected.contacts.size,
      pending: 0,
      skipped: expected.skipped,
      rejected: { 'refused by Autopilot': expected.refused.length },
    });
    expect(countsAddUp(counts)).toBe(true);
    expectSimHolds(expected);
    expect((await allExecutions(stack.client, handle.workflowId)).length).toBeGreaterThan(2);

    const history = await historyText(stack.client, handle.workflowId);
    const leaks = profiles.flatMap((p) => [p.EmailAddress?.trim(), p.EmailAddress?.trim().toLowerCase(), p.FirstName, p.LastName])
      .filter((s): s is string => !!s && s.length > 2 && history.includes(s));
    expect(leaks).toEqual([]);
    expect(history).not.toContain(TEST_API_KEY);
    await recordHistories(stack.client, handle.workflowId, 'continued-as-new');
  });

  it('gives the same result with or without continuing as new', async () => {
    // Full: the second run sends everything again (incremental, it would find nothing changed).
    const settings = await exportSettings({ segmentIds: ['B', 'C'], mode: 'full' });
    const once = await stack.run(settings, { batchesPerExecution: 1_000 });
    const heldOnce = simContacts(stack.sim.sim, TEST_API_KEY);
    stack.sim.sim.reset();
    const often = await stack.run(settings, { batchesPerExecution: 1, concurrency: 1 });

    expect(often.counts).toEqual(once.counts);
    expect(simContacts(stack.sim.sim, TEST_API_KEY)).toEqual(heldOnce);
  });

  it('fails at once, without retrying, when Autopilot rejects the API key', async () => {
    const connection = await stack.createConnection('ffffffffffffffffffffffffffffffff');
    const e = await stack.createExport({ connectionId: connection.id, segmentIds: SEGMENTS });

    const handle = await stack.startRun(toSettings({ ...e, connectionId: connection.id }));
    const err = await handle.result().catch((x: unknown) => x);

    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failure = innermostFailure(err);
    expect(failure.type).toBe(ErrorType.DestinationAuth);
    expect(failure.message).toMatch(/401/);
    await recordHistories(stack.client, handle.workflowId, 'rejected-key');
    expect(stack.sim.sim.stats().upserts).toBe(0);
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.flatMap((ev) => ev.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    const attempts = events.flatMap((ev) => ev.activityTaskStartedEventAttributes?.attempt ?? []);
    expect(scheduled).toEqual(['beginRun', 'findPlaces', 'failRun']);
    expect(attempts).toEqual([1, 1, 1]);
  });

  it('completes with every profile accounted for while Autopilot throttles and fails', async () => {
    stack.sim.sim.setFaults({ errorRate: 0.15, burst429: { every: 7, length: 2 } });
    const settings = await exportSettings();

    const { counts } = await stack.run(settings);

    expect(countsAddUp(counts)).toBe(true);
    expect(stack.sim.sim.stats().rateLimited).toBeGreaterThan(0);
    expect(stack.sim.sim.stats().errors).toBeGreaterThan(0);
    expectSimHolds(expectedExport(profiles, SEGMENTS));
    stack.sim.sim.setFaults({ errorRate: 0, burst429: undefined });
  });

  it('refuses a run over the profile limit, naming the count, before sending anything', async () => {
    const settings = await exportSettings({ profileLimit: 1_000 });
    const total = expectedExport(profiles, SEGMENTS).total;

    const err = await stack.run(settings).catch((x: unknown) => x);

    const failure = innermostFailure(err);
    expect(failure.type).toBe(ErrorType.ProfileLimitExceeded);
    expect(failure.message).toContain(String(total));
    expect(stack.sim.sim.stats().upserts).toBe(0);
  });

  it('sends the first profiles up to the limit when the export opts in', async () => {
    const settings = await exportSettings({ profileLimit: 1_000, onLimitExceeded: 'send_first' });
    const total = expectedExport(profiles, SEGMENTS).total;

    const { counts } = await stack.run(settings);

    expect(counts.total).toBe(total);
    expect(counts.skipped['over limit']).toBeGreaterThan(0);
    expect(counts.exported + counts.rejected['refused by Autopilot']).toBeLessThanOrEqual(1_000);
    expect(countsAddUp(counts)).toBe(true);
  });

  it("runs an export from its schedule's workflow, under the export's own workflow id", async () => {
    const settings = await exportSettings({ segmentIds: ['A'] });
    const scheduled = await stack.client.workflow.execute(scheduledExport, {
      taskQueue: stack.taskQueue,
      workflowId: `scheduled-${settings.exportId}`,
      args: [{ exportId: settings.exportId }],
    });

    expect(scheduled).toEqual({ started: expect.any(String) });
    const run = stack.client.workflow.getHandle(exportWorkflowId(settings.exportId));
    const { runId, counts } = (await run.result()) as { runId: string; counts: RunCounts };
    expect(countsAddUp(counts)).toBe(true);
    expect(counts.exported).toBe(expectedExport(profiles, ['A']).contacts.size);
    // The schedule's workflow minted the run's id and opened its record; the run recorded where it began.
    const started = (scheduled as { started: string }).started;
    expect(runId).toBe(started);
    const { firstRunId } = (await run.describe()).raw.workflowExecutionInfo ?? {};
    expect(await getRun(stack.db, started)).toMatchObject({ status: 'completed', trigger: 'schedule', workflowRunId: firstRunId });
    await recordHistories(stack.client, `scheduled-${settings.exportId}`, 'scheduled-export');
  });
});
