import { countsAddUp } from '../../domain/export';
import { toSettings } from '../../store/exports';
import { buildProfiles, loadProfiles } from '../helpers/profiles';
import { startTestStack, TEST_API_KEY, type TestStack } from '../helpers/stack';

/**
 * The embedded store (PGlite) with two sets of workers, against a simulator that enforces
 * Autopilot's own limit: the engine's pacing, one budget per key whatever connection holds it,
 * keeps it from ever answering 429.
 */
describe('the Autopilot rate budget', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ rateLimit: 5, sim: { rateLimit: 5, faults: { latencyMs: [10, 40] } } });
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
});
