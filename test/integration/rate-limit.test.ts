import { countsAddUp } from '../../domain/export';
import { toSettings } from '../../store/exports';
import { buildProfiles, loadProfiles } from '../helpers/profiles';
import { startTestStack, TEST_API_KEY, type TestStack } from '../helpers/stack';

/**
 * The embedded store (PGlite) with two sets of workers and no deployment-wide rate (the default),
 * against a simulator that enforces Autopilot's own limit: the engine's pacing, one budget per key
 * whatever connection holds it, keeps it from ever answering 429, and keys go side by side.
 */
const OTHER_KEY = 'fedcba9876543210fedcba9876543210';

describe('the Autopilot rate budget', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ sim: { keys: [TEST_API_KEY, OTHER_KEY], rateLimit: 5, faults: { latencyMs: [10, 40] } } });
    await loadProfiles(stack.db, buildProfiles(3_000));
    await stack.startWorkers(); // a second set of workers polling the same queues
  });
  afterAll(() => stack?.close());

  it('holds across two sets of workers and two connections with the same key, one export each, at once', async () => {
    const settings = await Promise.all(
      [['A'], ['B', 'C']].map(async (segmentIds) => {
        const connection = await stack.createConnection();
        return toSettings({ ...(await stack.createExport({ connectionId: connection.id, segmentIds })), connectionId: connection.id });
      }),
    );

    const results = await Promise.all(settings.map((s) => stack.run(s)));

    const stats = stack.sim.sim.stats(TEST_API_KEY);
    for (const { counts } of results) expect(countsAddUp(counts)).toBe(true);
    expect(stats.upserts).toBeGreaterThan(25);
    expect(stats.maxReceivedPerSecond).toBeLessThanOrEqual(5);
    expect(stats.rateLimited).toBe(0);
  });

  it('lets two keys go side by side, each at its own rate', async () => {
    stack.sim.sim.reset();
    const settings = await Promise.all(
      [TEST_API_KEY, OTHER_KEY].map(async (key) => {
        const connection = await stack.createConnection(key);
        return toSettings({ ...(await stack.createExport({ connectionId: connection.id, segmentIds: ['A', 'B'] })), connectionId: connection.id });
      }),
    );

    const started = Date.now();
    const results = await Promise.all(settings.map((s) => stack.run(s)));
    const seconds = (Date.now() - started) / 1000;

    for (const { counts } of results) expect(countsAddUp(counts)).toBe(true);
    const [one, other] = [TEST_API_KEY, OTHER_KEY].map((key) => stack.sim.sim.stats(key));
    for (const stats of [one, other]) {
      expect(stats.maxReceivedPerSecond).toBeLessThanOrEqual(5);
      expect(stats.rateLimited).toBe(0);
    }
    // Sooner than one key's budget could have sent them all: neither waited for the other.
    expect(seconds).toBeLessThan(0.8 * ((one.requests + other.requests) / 5));
  });
});
