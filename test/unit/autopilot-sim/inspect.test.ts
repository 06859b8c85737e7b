import { createAutopilotSim } from '../../../autopilot-sim';

const KEY = 'aaaabbbbccccddddaaaabbbbcccc9999';

describe('Autopilot simulator: inspection and control', () => {
  it('reports health, stats by key label and contacts with list titles, outside /v1', async () => {
    const { app } = createAutopilotSim({ keys: [KEY], rateLimit: 0 });
    const headers = { autopilotapikey: KEY, 'Content-Type': 'application/json' };
    const list = await app.request('/v1/list', { method: 'POST', headers, body: JSON.stringify({ name: 'VIP' }) });
    const { list_id } = (await list.json()) as { list_id: string };
    const contacts = [{ Email: 'ann@example.com', _autopilot_list: list_id }];
    await app.request('/v1/contacts', { method: 'POST', headers, body: JSON.stringify({ contacts }) });

    expect(await (await app.request('/_sim/health')).json()).toEqual({ status: 'ok' });
    const all = (await (await app.request('/_sim/stats')).json()) as Record<string, unknown>;
    expect(Object.keys(all)).toEqual(['9999']);
    expect(JSON.stringify(all)).not.toContain(KEY);
    expect(await (await app.request(`/_sim/stats?key=${KEY}`)).json()).toMatchObject({
      requests: 2,
      served: 2,
      upserts: 1,
      upsertedContacts: 1,
      byPath: { 'POST /list': 1, 'POST /contacts': 1 },
    });
    const inspected = (await (await app.request(`/_sim/contacts?key=${KEY}`)).json()) as { contacts: unknown[] };
    expect(inspected.contacts).toEqual([expect.objectContaining({ Email: 'ann@example.com', list_titles: ['VIP'] })]);
  });

  it('has no mutation endpoints over HTTP', async () => {
    const { app } = createAutopilotSim();
    expect((await app.request('/_sim/reset', { method: 'POST' })).status).toBe(404);
    expect((await app.request('/_sim/stats', { method: 'DELETE' })).status).toBe(404);
  });

  it('reset clears data and counters but keeps keys; revokeKey and addKey switch access', async () => {
    const { app, sim } = createAutopilotSim({ keys: [KEY], rateLimit: 0 });
    const headers = { autopilotapikey: KEY, 'Content-Type': 'application/json' };
    await app.request('/v1/contacts', { method: 'POST', headers, body: JSON.stringify({ contacts: [{ Email: 'a@example.com' }] }) });
    sim.reset();
    expect(sim.contacts(KEY)).toEqual([]);
    expect(sim.stats(KEY).requests).toBe(0);
    expect((await app.request('/v1/account', { headers })).status).toBe(200);
    sim.revokeKey(KEY);
    expect((await app.request('/v1/account', { headers })).status).toBe(401);
    sim.addKey(KEY);
    expect((await app.request('/v1/account', { headers })).status).toBe(200);
  });

  it('with acceptAnyKey, takes any key as an account of its own, except one revoked', async () => {
    const { app, sim } = createAutopilotSim({ keys: [], acceptAnyKey: true, rateLimit: 0 });
    const other = '0123456789abcdef0123456789abcdef';
    expect((await app.request('/v1/account', { headers: { autopilotapikey: other } })).status).toBe(200);
    await app.request('/v1/contacts', { method: 'POST', headers: { autopilotapikey: other, 'Content-Type': 'application/json' }, body: JSON.stringify({ contacts: [{ Email: 'a@example.com' }] }) });
    expect(sim.contacts(other)).toHaveLength(1);
    expect(sim.contacts(KEY)).toEqual([]);
    sim.revokeKey(other);
    expect((await app.request('/v1/account', { headers: { autopilotapikey: other } })).status).toBe(401);
  });

  it('rejects invalid options and fault settings', () => {
    expect(() => createAutopilotSim({ rateLimit: -1 })).toThrow(/rateLimit/);
    const { sim } = createAutopilotSim();
    expect(() => sim.setFaults({ errorRate: 2 })).toThrow();
    expect(() => sim.setFaults({ refuseEmails: '(' })).toThrow();
  });
});
