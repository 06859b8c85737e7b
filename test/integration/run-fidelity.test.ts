import { countsAddUp, type RunCounts } from '../../domain/export';
import { exportWorkflowId } from '../../domain/ids';
import { scheduleId } from '../../api/scheduler';
import { importProfiles } from '../../store/profiles';
import { startApiStack, type ApiStack } from '../helpers/api-stack';
import { simContacts, until } from '../helpers/assertions';
import { recordHistories } from '../helpers/history';
import { buildProfiles, expectedExport, loadProfiles, type TestProfile } from '../helpers/profiles';
import { TEST_API_KEY } from '../helpers/stack';

/**
 * What a run reports is what Autopilot holds: checked at the simulator, list by list, through the
 * real API in front of a real Temporal server.
 */
describe('run fidelity', () => {
  let s: ApiStack;
  const profiles = buildProfiles(2_500);
  const SWEEP_MS = 1_000;

  beforeAll(async () => {
    s = await startApiStack({ sweepIntervalMs: SWEEP_MS });
    await loadProfiles(s.db, profiles);
    await loadProfiles(s.db, SHARED);
  });
  afterAll(() => s?.close());
  beforeEach(() => s.sim.sim.reset());

  /** A connection and an export through the API, paced at `requestsPerSecond`. */
  async function createExport(segmentIds: string[], extra: object = {}, requestsPerSecond = 5): Promise<string> {
    const connection = await s.api('POST', '/connections', {
      displayName: 'Simulated Autopilot', apiKey: TEST_API_KEY, usableBy: 'admins', privacyConsent: true, baseUrl: s.sim.url, requestsPerSecond,
    });
    expect(connection.status).toBe(201);
    const created = await s.api('POST', '/exports', {
      displayName: 'Fidelity', connectionId: connection.body.id, segmentIds,
      mapping: { email: 'EmailAddress', firstName: 'FirstName', lastName: 'LastName' }, ...extra,
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function startRun(exportId: string): Promise<string> {
    const started = await s.api('POST', `/exports/${exportId}/runs`);
    expect(started.status).toBe(202);
    return started.body.runId;
  }

  const getRun = async (runId: string) => (await s.api('GET', `/runs/${runId}`)).body;
  const ended = (runId: string) => until(`run ${runId} to end`, async () => {
    const run = await getRun(runId);
    return run.status === 'running' ? undefined : run;
  });
  const storedStatus = async (runId: string) =>
    (await s.db.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [runId]))[0].status;
  /** Deliveries the store counts as exported: one per (contact, list) Autopilot should hold. */
  const exportedDeliveries = async (runId: string) =>
    (await s.db.query<{ n: number }>("SELECT count(*)::int AS n FROM run_item_status WHERE run_id = $1 AND status = 'exported'", [runId]))[0].n;
  const simDeliveries = () => [...simContacts(s.sim.sim, TEST_API_KEY).values()].reduce((n, c) => n + c.lists.length, 0);

  it('puts a contact shared by several profiles on the list of every segment any of them is in', async () => {
    const exportId = await createExport(['Newsletter', 'VIP', 'Loyalty']);
    const run = await ended(await startRun(exportId));

    expect(run.status).toBe('completed');
    const held = simContacts(s.sim.sim, TEST_API_KEY);
    expect(held.get('ann@example.com')).toEqual({ FirstName: 'Ann', LastName: 'Ødegård', lists: ['Loyalty', 'Newsletter', 'VIP'] });
    expect(held.get('bob@example.com')).toEqual({ FirstName: 'Bob', LastName: 'Zoë', lists: ['Loyalty', 'Newsletter', 'VIP'] });
    expect(held.size).toBe(2);
    expect(run.counts).toEqual({ total: 6, exported: 2, pending: 0, skipped: { 'duplicate email': 3, 'no email': 1 }, rejected: {} });
    const outcomes = (await s.api('GET', `/runs/${run.id}/outcomes?status=skipped`)).body.outcomes;
    expect(outcomes.map((o: { profileId: string; sentAs: string | null }) => [o.profileId, o.sentAs])).toEqual([
      ['sh-a2', 'sh-a1'], ['sh-a3', 'sh-a1'], ['sh-b2', 'sh-b1'], ['sh-d1', null],
    ]);
  });

  it('cancels after the batches in flight: nothing reaches Autopilot afterwards and the counts add up', async () => {
    const exportId = await createExport(['A', 'B', 'C']);
    const runId = await startRun(exportId);
    await until('a few batches', async () => (s.sim.sim.stats(TEST_API_KEY).upserts >= 3 ? true : undefined));

    expect((await s.api('POST', `/runs/${runId}/cancel`)).status).toBe(202);
    const run = await ended(runId);
    const upsertsAtEnd = s.sim.sim.stats(TEST_API_KEY).upserts;
    await new Promise((r) => setTimeout(r, 1_500));

    expect(run.status).toBe('cancelled');
    expect(countsAddUp(run.counts as RunCounts)).toBe(true);
    expect(run.counts.pending).toBeGreaterThan(0);
    expect(run.percent).toBeLessThan(100);
    expect(s.sim.sim.stats(TEST_API_KEY).upserts).toBe(upsertsAtEnd);
    expect(simDeliveries()).toBe(await exportedDeliveries(runId));
    await recordHistories(s.client, exportWorkflowId(exportId), 'cancelled');
  });

  it('reports a run terminated in Temporal at once when read, and by the sweep when not', async () => {
    for (const read of [true, false]) {
      const exportId = await createExport(['A', 'B', 'C']);
      const runId = await startRun(exportId);
      await until('the first batch', async () => (s.sim.sim.stats(TEST_API_KEY).upserts >= 1 ? true : undefined));

      await s.client.workflow.getHandle(exportWorkflowId(exportId)).terminate('stopped by an operator');
      if (read) {
        const run = await getRun(runId);
        expect(run).toMatchObject({ status: 'terminated', error: 'Terminated in Temporal: stopped by an operator' });
        expect(countsAddUp(run.counts as RunCounts)).toBe(true);
        expect(run.counts.pending).toBeGreaterThan(0);
      } else {
        const started = Date.now();
        await until('the sweep', async () => ((await storedStatus(runId)) === 'terminated' ? true : undefined), 4 * SWEEP_MS);
        expect(Date.now() - started).toBeLessThan(3 * SWEEP_MS);
      }
      s.sim.sim.reset();
    }
  });

  it('records a scheduled trigger skipped because a run is going as a run of its own', async () => {
    // 2 requests/s: its eight batches take seconds, so the second trigger finds it going.
    const exportId = await createExport(['B'], { schedule: { cron: '0 0 1 1 *', timezone: 'UTC' } }, 2);
    const schedule = s.client.schedule.getHandle(scheduleId(exportId));

    await schedule.trigger();
    const triggered = Date.now();
    const runs = async () => (await s.api('GET', `/exports/${exportId}/runs`)).body.runs as { id: string; status: string; trigger: string; error: string | null }[];
    const going = await until('the scheduled run', async () => (await runs()).find((r) => r.status === 'running'));
    // A schedule names each action's workflow after its second: a trigger in the same second would be the same action.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, triggered + 1_100 - Date.now())));
    await schedule.trigger();
    const skipped = await until('the skipped trigger', async () => (await runs()).find((r) => r.status === 'skipped'));
    await ended(going.id);

    expect(skipped).toMatchObject({ trigger: 'schedule', error: 'a run of this export is already going' });
    expect((await runs()).map((r) => r.status).sort()).toEqual(['completed', 'skipped']);
  });

  it('sends exactly what it froze while the profiles are re-imported under it', async () => {
    const segments = ['A', 'B', 'C'];
    const expected = expectedExport(profiles, segments, /$^/);
    const exportId = await createExport(segments);
    const runId = await startRun(exportId);
    await until('the plan', async () => ((await getRun(runId)).counts.total > 0 ? true : undefined));

    const changed = profiles.filter((p) => p.segments.length > 0 && p.EmailAddress?.includes('@')).slice(0, 300);
    await importProfiles(s.db, (async function* () {
      for (const [i, p] of changed.entries()) {
        if (i % 3 === 0) yield JSON.stringify({ ...p, EmailAddress: undefined }); // email removed
        else if (i % 3 === 1) yield JSON.stringify({ ...p, EmailAddress: `changed-${p.id}@example.net`, FirstName: 'Changed' });
        else yield JSON.stringify({ ...p, segments: p.segments.includes('A') ? ['B'] : ['A'] }); // moved
      }
      yield JSON.stringify({ id: 'p-new', segments: ['A'], EmailAddress: 'newcomer@example.com' });
    })());
    expect((await getRun(runId)).status).toBe('running');
    const run = await ended(runId);

    expect(run.status).toBe('completed');
    const held = simContacts(s.sim.sim, TEST_API_KEY);
    expect(new Set(held.keys())).toEqual(new Set(expected.contacts.keys()));
    for (const [email, contact] of expected.contacts) expect(held.get(email)).toEqual(contact);
    expect(s.sim.sim.contacts(TEST_API_KEY).filter((c) => !/^[^@\s]+@[^@\s]+$/.test(String(c.Email)))).toEqual([]);
  });
});

/** Emails shared across segments, in other cases and with spaces around them. */
const SHARED: TestProfile[] = [
  { id: 'sh-a1', segments: ['Newsletter'], EmailAddress: 'ann@example.com', FirstName: 'Ann', LastName: 'Ødegård', Plan: 'pro' },
  { id: 'sh-a2', segments: ['VIP'], EmailAddress: 'ANN@example.com', FirstName: 'Annie', LastName: 'O', Plan: 'pro' },
  { id: 'sh-a3', segments: ['VIP', 'Loyalty'], EmailAddress: '  Ann@Example.COM ', FirstName: 'A.', LastName: 'O', Plan: 'free' },
  { id: 'sh-b1', segments: ['Loyalty'], EmailAddress: ' bob@example.com', FirstName: 'Bob', LastName: 'Zoë', Plan: 'pro' },
  { id: 'sh-b2', segments: ['Newsletter', 'VIP'], EmailAddress: 'BOB@EXAMPLE.COM', FirstName: 'Robert', LastName: 'Z', Plan: 'pro' },
  { id: 'sh-d1', segments: ['VIP'], FirstName: 'Dee', LastName: 'N', Plan: 'pro' },
];
