import { createKeyChecker } from '../../../api/check-key';
import { startAutopilotSim, type RunningAutopilotSim } from '../../../autopilot-sim';
import { createOutboundPolicy } from '../../../outbound/policy';
import type { TurnTaker } from '../../../store/pacing-in-process';

const KEY = '0123456789abcdef0123456789abcdef';

describe('the key check', () => {
  let sim: RunningAutopilotSim;
  beforeAll(async () => {
    sim = await startAutopilotSim({ keys: [KEY], rateLimit: 0 });
  });
  afterAll(() => sim.close());

  function checker(waitForTurn: TurnTaker) {
    const outbound = createOutboundPolicy(['127.0.0.1']);
    return createKeyChecker({ defaultBaseUrls: { autopilot: sim.url }, outbound, pacing: { budgetOf: (type, key, url) => `${type}|${url}|${key.slice(-4)}`, waitForTurn } });
  }

  it('takes its turn in the key\'s budget, at the platform\'s rate, before it calls', async () => {
    const turns: [string, number][] = [];
    const check = checker(async (budget, rps) => (turns.push([budget, rps]), { taken: true, givenBack: 0 }));
    await expect(check('autopilot', KEY, null, null)).resolves.toBeDefined();
    expect(turns).toEqual([[`autopilot|${sim.url}|cdef`, 5]]);
  });

  it('says the budget is taken, and calls nothing, when the runs hold it longer than an admin waits', async () => {
    const before = sim.sim.stats(KEY).requests;
    const check = checker(async () => ({ taken: false, waitMs: 9_000 }));
    await expect(check('autopilot', KEY, null, null)).rejects.toMatchObject({ kind: 'rateLimited' });
    expect(sim.sim.stats(KEY).requests).toBe(before);
  });
});
