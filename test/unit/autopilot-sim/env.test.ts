import { DEMO_API_KEY, loadSimEnv } from '../../../autopilot-sim';

describe('loadSimEnv', () => {
  it('defaults to port 8787, the demo key and 5 r/s', () => {
    const result = loadSimEnv({});
    expect(result).toEqual({
      ok: true,
      options: expect.objectContaining({ port: 8787, keys: [DEMO_API_KEY], rateLimit: 5 }),
    });
  });

  it('parses keys, latency ranges and fault rates', () => {
    const result = loadSimEnv({
      AUTOPILOT_SIM_KEYS: 'one, two',
      AUTOPILOT_SIM_LATENCY_MS: '100-300',
      AUTOPILOT_SIM_ERROR_RATE: '0.1',
      AUTOPILOT_SIM_RATE_LIMIT: '0',
    });
    expect(result.ok && result.options).toMatchObject({
      keys: ['one', 'two'],
      rateLimit: 0,
      faults: { latencyMs: [100, 300], errorRate: 0.1, timeoutRate: 0 },
    });
    expect(loadSimEnv({ AUTOPILOT_SIM_LATENCY_MS: '50' })).toMatchObject({ options: { faults: { latencyMs: 50 } } });
  });

  it('reports what is wrong without echoing values', () => {
    const result = loadSimEnv({ AUTOPILOT_SIM_ERROR_RATE: '7', AUTOPILOT_SIM_LATENCY_MS: '300-100', AUTOPILOT_SIM_KEYS: ' , ' });
    expect(result.ok).toBe(false);
    const problems = result.ok ? '' : result.problems;
    expect(problems).toContain('AUTOPILOT_SIM_ERROR_RATE');
    expect(problems).toContain('AUTOPILOT_SIM_LATENCY_MS');
    expect(problems).toContain('AUTOPILOT_SIM_KEYS');
  });
});
