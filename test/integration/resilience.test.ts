import { countsAddUp } from '../../domain/export';
import { ErrorType } from '../../domain/errors';
import { toSettings } from '../../store/exports';
import { BLOCKED_ON_KEY, pauseUpdate, progressQuery, resumeUpdate } from '../../workflows';
import { innermostFailure, simContacts, until } from '../helpers/assertions';
import { recordHistories } from '../helpers/history';
import { buildProfiles, expectedExport, loadProfiles } from '../helpers/profiles';
import { startTestStack, TEST_API_KEY, type TestStack } from '../helpers/stack';

const profiles = buildProfiles(1_500);
const SEGMENTS = ['A', 'B', 'C'];
const ROTATED_KEY = 'abcdefabcdefabcdefabcdefabcdef01';

describe('a run under failure', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ sim: { seed: 7, faults: { refuseEmails: '^refused-' } } });
    await loadProfiles(stack.db, profiles);
  });
  afterAll(() => stack?.close());
  beforeEach(() => stack.sim.sim.reset());
  afterEach(() => stack.sim.sim.setFaults({ errorRate: 0, timeoutRate: 0, burst429: undefined, rejectBatchIfEmailMatches: undefined, latencyMs: 0 }));

  async function settingsFor(apiKey = TEST_API_KEY) {
    const connection = await stack.createConnection(apiKey);
    const e = await stack.createExport({ connectionId: connection.id, segmentIds: SEGMENTS });
    return { connection, settings: toSettings({ ...e, connectionId: connection.id }) };
  }

  it('accounts for every profile through 500s, 429 bursts, timeouts and one refused batch', async () => {
    const expected = expectedExport(profiles, SEGMENTS);
    const poison = [...expected.contacts.keys()][10];
    stack.sim.sim.setFaults({
      errorRate: 0.1,
      burst429: { every: 9, length: 3 },
      timeoutRate: 0.01,
      timeoutHoldMs: 2_500,
      rejectBatchIfEmailMatches: `^${poison.replace(/[.]/g, '\\.')}$`,
    });
    const { settings } = await settingsFor();

    const handle = await stack.startRun(settings);
    const { counts } = await handle.result();
    await recordHistories(stack.client, handle.workflowId, 'faults');

    expect(countsAddUp(counts)).toBe(true);
    // The refused one carries Autopilot's own reason.
    expect(counts.rejected).toEqual({ 'refused by Autopilot': expected.refused.length, 'Autopilot answered 400 Bad Request: Invalid contact data.': 1 });
    expected.contacts.delete(poison);
    expect(new Set(simContacts(stack.sim.sim, TEST_API_KEY).keys())).toEqual(new Set(expected.contacts.keys()));
    const stats = stack.sim.sim.stats(TEST_API_KEY);
    expect(stats.rateLimited).toBeGreaterThan(0);
    expect(stats.errors).toBeGreaterThan(0);
  });

  it('waits, blocked, while the key is revoked and goes on from where it was once the key is rotated', async () => {
    stack.sim.sim.setFaults({ latencyMs: 40 });
    const { connection, settings } = await settingsFor();
    const handle = await stack.startRun(settings, { concurrency: 1, keyRecheckMs: 200 });
    await until('a few batches', async () => ((await handle.query(progressQuery)).batchesDone >= 3 ? true : undefined));

    stack.sim.sim.revokeKey(TEST_API_KEY);
    await until('the blocked phase', async () => ((await handle.query(progressQuery)).phase === BLOCKED_ON_KEY ? true : undefined));
    const sentBeforeRotation = stack.sim.sim.stats().upsertedContacts;
    stack.sim.sim.rotateKey(TEST_API_KEY, ROTATED_KEY);
    await stack.connections.update(connection.id, { apiKey: ROTATED_KEY });
    const { counts } = await handle.result();
    await recordHistories(stack.client, handle.workflowId, 'blocked-then-rotated');

    expect(countsAddUp(counts)).toBe(true);
    expect(sentBeforeRotation).toBeGreaterThan(0);
    expect(new Set(simContacts(stack.sim.sim, ROTATED_KEY).keys())).toEqual(new Set(expectedExport(profiles, SEGMENTS).contacts.keys()));
    stack.sim.sim.rotateKey(ROTATED_KEY, TEST_API_KEY);
  });

  it('shows a run paused while blocked on the key as paused, and as exporting once resumed with a working key', async () => {
    stack.sim.sim.setFaults({ latencyMs: 40 });
    const { connection, settings } = await settingsFor();
    const handle = await stack.startRun(settings, { concurrency: 1, keyRecheckMs: 200 });
    const phase = async () => (await handle.query(progressQuery)).phase;
    await until('a few batches', async () => ((await handle.query(progressQuery)).batchesDone >= 3 ? true : undefined));

    stack.sim.sim.revokeKey(TEST_API_KEY);
    await until('the blocked phase', async () => ((await phase()) === BLOCKED_ON_KEY ? true : undefined));
    await handle.executeUpdate(pauseUpdate, { args: [{ by: 'tester' }] });
    expect(await phase()).toBe('paused');

    stack.sim.sim.rotateKey(TEST_API_KEY, ROTATED_KEY);
    await stack.connections.update(connection.id, { apiKey: ROTATED_KEY });
    await handle.executeUpdate(resumeUpdate, { args: [{ by: 'tester' }] });
    await until('exporting again', async () => ((await phase()) === 'exporting' ? true : undefined));
    const { counts } = await handle.result();

    expect(countsAddUp(counts)).toBe(true);
    expect(new Set(simContacts(stack.sim.sim, ROTATED_KEY).keys())).toEqual(new Set(expectedExport(profiles, SEGMENTS).contacts.keys()));
    stack.sim.sim.rotateKey(ROTATED_KEY, TEST_API_KEY);
  });

  it('fails with a clear reason when nobody replaces a revoked key in time', async () => {
    stack.sim.sim.setFaults({ latencyMs: 40 });
    const { settings } = await settingsFor();
    const handle = await stack.startRun(settings, { concurrency: 1, keyRecheckMs: 200, blockedTimeoutMs: 1_000 });
    await until('a batch', async () => ((await handle.query(progressQuery)).batchesDone >= 1 ? true : undefined));

    stack.sim.sim.revokeKey(TEST_API_KEY);
    const failure = innermostFailure(await handle.result().catch((e: unknown) => e));
    stack.sim.sim.addKey(TEST_API_KEY);

    expect(failure.type).toBe(ErrorType.DestinationAuth);
    expect(failure.message).toMatch(/not replaced within/);
  });
});
