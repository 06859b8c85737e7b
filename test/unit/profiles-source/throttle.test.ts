import { RetryAfterGate } from '../../../profiles-source/dataverse/throttle';

describe('RetryAfterGate', () => {
  it('refuses at once, with the time left, a hold longer than the caller may wait', async () => {
    let clock = 1_000_000;
    const gate = new RetryAfterGate(() => clock);
    gate.holdFor(60_000);
    clock += 20_000;
    // With the fake clock standing still, a gate that waited would never resolve: the test would time out.
    await expect(gate.wait({ maxHoldMs: 5_000 })).resolves.toEqual({ passed: false, remainingMs: 40_000 });
    expect(gate.remainingMs()).toBe(40_000);
  });

  it('lets a caller through once a hold within its limit has passed', async () => {
    const gate = new RetryAfterGate();
    gate.holdFor(30);
    const started = Date.now();
    await expect(gate.wait({ maxHoldMs: 5_000 })).resolves.toEqual({ passed: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(gate.remainingMs()).toBe(0);
  });

  it('refuses a waiter when another request lengthens the hold past its limit meanwhile', async () => {
    const gate = new RetryAfterGate();
    gate.holdFor(30);
    const outcome = gate.wait({ maxHoldMs: 2_000 });
    gate.holdFor(60_000);
    const result = await outcome;
    expect(result.passed).toBe(false);
    expect(result.passed === false && result.remainingMs).toBeGreaterThan(55_000);
  });

  it('passes at once when nothing holds it', async () => {
    await expect(new RetryAfterGate().wait({ maxHoldMs: 0 })).resolves.toEqual({ passed: true });
  });
});
