import { createAutopilotSim, DEMO_API_KEY } from '../../../autopilot-sim';

const KEY = 'aaaabbbbccccddddaaaabbbbccccdddd';
const OTHER = '11112222333344441111222233334444';

function setup(options: Parameters<typeof createAutopilotSim>[0] = {}) {
  const { app, sim } = createAutopilotSim({ keys: [KEY, OTHER], rateLimit: 0, seed: 1, ...options });
  const call = (path: string, init: { method?: string; key?: string | null; body?: unknown } = {}) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (init.key !== null) headers.autopilotapikey = init.key ?? KEY;
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    return app.request(path, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
  };
  return { app, sim, call };
}

describe('Autopilot simulator: authentication', () => {
  it('answers 400 with Autopilot\'s body when the key header is missing', async () => {
    const res = await setup().call('/v1/account', { key: null });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'Bad Request', message: 'No autopilotapikey header provided.' });
  });

  it('answers 401 with Autopilot\'s body for an unknown key', async () => {
    const res = await setup().call('/v1/account', { key: 'nope' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'Unauthorized', message: 'Provided autopilotapikey not valid.' });
  });

  it('accepts the demo key by default', async () => {
    const { app } = createAutopilotSim();
    const res = await app.request('/v1/account', { headers: { autopilotapikey: DEMO_API_KEY } });
    expect(res.status).toBe(200);
  });

  it('keeps each key\'s contacts and lists apart', async () => {
    const { sim, call } = setup();
    await call('/v1/contacts', { body: { contacts: [{ Email: 'a@example.com' }] } });
    await call('/v1/list', { key: OTHER, body: { name: 'Other list' } });
    expect(sim.contacts(KEY)).toHaveLength(1);
    expect(sim.contacts(OTHER)).toHaveLength(0);
    expect(sim.lists(KEY)).toHaveLength(0);
    expect(sim.lists(OTHER)).toHaveLength(1);
  });
});

describe('Autopilot simulator: contacts', () => {
  it('answers a bulk upsert with contact_ids and email_contact_map, leaving refused contacts out', async () => {
    const { call } = setup();
    const res = await call('/v1/contacts', { body: { contacts: [{ Email: 'Ann@Example.com' }, { Email: 'broken' }] } });
    const body = (await res.json()) as { contact_ids: string[]; email_contact_map: Record<string, string> };
    expect(res.status).toBe(200);
    expect(body.contact_ids).toHaveLength(1);
    expect(body.contact_ids[0]).toMatch(/^person_[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(body.email_contact_map).toEqual({ 'Ann@Example.com': body.contact_ids[0] });
  });

  it('answers 400 for more than 100 contacts or a malformed body, storing nothing', async () => {
    const { sim, call } = setup();
    const tooMany = Array.from({ length: 101 }, (_, i) => ({ Email: `p${i}@example.com` }));
    expect((await call('/v1/contacts', { body: { contacts: tooMany } })).status).toBe(400);
    expect((await call('/v1/contacts', { body: { contact: {} } })).status).toBe(400);
    expect(sim.contacts(KEY)).toHaveLength(0);
  });

  it('merges fields and custom fields on update, and reads them back in Autopilot\'s read shape', async () => {
    const { call } = setup();
    const first = { Email: 'ann@example.com', FirstName: 'Ann', custom: { 'string--Plan--Tier': 'gold' } };
    await call('/v1/contact', { body: { contact: first } });
    await call('/v1/contact', { body: { contact: { Email: 'ANN@example.com', LastName: 'Lee', custom: { 'integer--Seats': 3 } } } });
    const res = await call('/v1/contact/ann%40example.com');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      Email: 'ANN@example.com',
      FirstName: 'Ann',
      LastName: 'Lee',
      api_originated: true,
      custom_fields: [
        { kind: 'Plan Tier', value: 'gold', fieldType: 'string', deleted: false },
        { kind: 'Seats', value: 3, fieldType: 'integer', deleted: false },
      ],
    });
  });

  it('answers 404 with Autopilot\'s body for an unknown contact', async () => {
    const res = await setup().call('/v1/contact/nobody%40example.com');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'Not Found', message: 'Contact could not be found.' });
  });
});

describe('Autopilot simulator: lists', () => {
  it('creates lists, refuses a duplicate name with 409 and lists them', async () => {
    const { call } = setup();
    const created = (await (await call('/v1/list', { body: { name: 'VIP' } })).json()) as { list_id: string };
    expect(created.list_id).toMatch(/^contactlist_/);
    const dup = await call('/v1/list', { body: { name: 'VIP' } });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toEqual({ error: 'Conflict', message: 'A list with this name already exists.' });
    expect(await (await call('/v1/lists')).json()).toEqual({ lists: [{ list_id: created.list_id, title: 'VIP' }] });
  });

  it('creates a second list with the same name when duplicateListNames is create', async () => {
    const { sim, call } = setup({ duplicateListNames: 'create' });
    await call('/v1/list', { body: { name: 'VIP' } });
    expect((await call('/v1/list', { body: { name: 'VIP' } })).status).toBe(200);
    expect(sim.lists(KEY)).toHaveLength(2);
  });

  it('pages list members 100 at a time with a bookmark until the last page', async () => {
    const { call } = setup();
    const { list_id } = (await (await call('/v1/list', { body: { name: 'Big' } })).json()) as { list_id: string };
    for (let batch = 0; batch < 3; batch++) {
      const contacts = Array.from({ length: 100 }, (_, i) => ({ Email: `p${batch}-${i}@example.com`, _autopilot_list: list_id }));
      expect((await call('/v1/contacts', { body: { contacts } })).status).toBe(200);
    }
    const seen = new Set<string>();
    let path = `/v1/list/${list_id}/contacts`;
    const pages: Array<{ contacts: Array<{ contact_id: string }>; total_contacts: number; bookmark?: string }> = [];
    for (;;) {
      const page = (await (await call(path)).json()) as (typeof pages)[number];
      pages.push(page);
      page.contacts.forEach((c) => seen.add(c.contact_id));
      if (!page.bookmark) break;
      path = `/v1/list/${list_id}/contacts/${page.bookmark}`;
    }
    expect(pages.map((p) => p.contacts.length)).toEqual([100, 100, 100]);
    expect(pages.every((p) => p.total_contacts === 300)).toBe(true);
    expect(seen.size).toBe(300);
  });

  it('answers 404 with an empty body for an unknown list', async () => {
    const res = await setup().call('/v1/list/contactlist_missing/contacts');
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('');
  });

  it('answers 404 with an error body for an unknown path', async () => {
    const res = await setup().call('/v1/segments');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'Not Found' });
  });
});
