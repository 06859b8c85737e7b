import { createAutopilotSim } from '../../../autopilot-sim';
import { BurstCounter } from '../../../autopilot-sim/rate-limit';
import { SlidingWindow } from '../../../local-server/sliding-window';

describe('SlidingWindow', () => {
  it('counts only what happened in the last second', () => {
    const window = new SlidingWindow();
    expect(window.record(0)).toBe(1);
    expect(window.record(500)).toBe(2);
    expect(window.count(999)).toBe(2);
    expect(window.count(1000)).toBe(1);
    expect(window.msUntilFree(1000)).toBe(500);
    expect(window.count(1500)).toBe(0);
  });
});

describe('BurstCounter', () => {
  it('answers `length` requests 429 after every `every` served ones', () => {
    const burst = { every: 2, length: 2 };
    const counter = new BurstCounter();
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) {
      if (counter.takeBurst(burst)) outcomes.push('429');
      else {
        counter.served(burst);
        outcomes.push('ok');
      }
    }
    expect(outcomes).toEqual(['ok', 'ok', '429', '429', 'ok', 'ok', '429', '429']);
  });
});

describe('Autopilot simulator: rate limit', () => {
  it('answers 429 with the configured rate once a key used its second, and not for another key', async () => {
    const keys = ['key-one-aaaaaaaaaaaaaaaaaaaaaaaaaa', 'key-two-bbbbbbbbbbbbbbbbbbbbbbbbbb'];
    const { app, sim } = createAutopilotSim({ keys, rateLimit: 3 });
    const get = async (key: string): Promise<Response> => app.request('/v1/lists', { headers: { autopilotapikey: key } });
    const statuses = await Promise.all(Array.from({ length: 5 }, () => get(keys[0]).then((r) => r.status)));
    expect(statuses.sort()).toEqual([200, 200, 200, 429, 429]);
    const limited = await get(keys[0]);
    expect(await limited.json()).toEqual({ error: 'Too Many Requests', message: 'You have exceeded your request rate of 3 r/s.' });
    expect(limited.headers.get('retry-after')).toBeNull();
    expect((await get(keys[1])).status).toBe(200);
    expect(sim.stats(keys[0])).toMatchObject({ served: 3, rateLimited: 3, maxPerSecond: 3 });
  });

  it('repeats the same fault sequence for the same seed', async () => {
    const run = async () => {
      const { app } = createAutopilotSim({ keys: ['k'], rateLimit: 0, seed: 7, faults: { errorRate: 0.5 } });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await app.request('/v1/lists', { headers: { autopilotapikey: 'k' } })).status);
      return statuses;
    };
    const first = await run();
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await run()).toEqual(first);
  });
});
