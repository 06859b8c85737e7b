import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutopilotClient, AutopilotError } from '../../../autopilot';
import { API_KEY, rejectionOf, startHarness, type Harness } from './fixtures';

describe('AutopilotClient.removeFromList', () => {
  let h: Harness;
  let listId: string;
  let turns: number;
  beforeEach(async () => {
    turns = 0;
    h = await startHarness({}, { beforeRequest: async () => void turns++ });
    listId = await h.client.createList('VIP');
    await h.client.upsertContacts([
      { Email: 'Ann+tag@Example.com', _autopilot_list: listId },
      { Email: 'bob@example.com', _autopilot_list: listId },
    ]);
  });
  afterEach(() => h.close());

  const members = () => h.running.sim.lists(API_KEY).find((l) => l.list_id === listId)!.total_contacts;

  it('takes the contact off the list, keeps the contact, and takes a turn for the request', async () => {
    turns = 0;
    expect(await h.client.removeFromList(listId, 'ann+tag@example.com')).toBe('removed');
    expect(turns).toBe(1);
    expect(members()).toBe(1);
    const contacts = h.running.sim.contacts(API_KEY);
    expect(contacts.map((c) => c.Email).sort()).toEqual(['Ann+tag@Example.com', 'bob@example.com']);
    expect(contacts.find((c) => c.Email === 'Ann+tag@Example.com')!.lists).toEqual([]);
    const stats = h.running.sim.stats(API_KEY);
    expect(stats).toMatchObject({ removals: 1, removalsByList: { [listId]: 1 } });
    expect(stats.byPath['DELETE /list/:listId/contact/:idOrEmail']).toBe(1);
  });

  it('counts a contact that is not (or no longer) a member as not a member, whatever Autopilot answers', async () => {
    await h.client.removeFromList(listId, 'bob@example.com');
    // 200 {"not_modified": true}
    expect(await h.client.removeFromList(listId, 'bob@example.com')).toBe('notMember');
    // 404 "Contact could not be found."
    expect(await h.client.removeFromList(listId, 'nobody@example.com')).toBe('notMember');
    // 404 with an empty body: no such list
    expect(await h.client.removeFromList('contactlist_GONE', 'ann+tag@example.com')).toBe('notMember');
    expect(h.running.sim.stats(API_KEY)).toMatchObject({ removals: 1 });
    expect(h.running.sim.contacts(API_KEY)).toHaveLength(2);
  });

  it('throws auth when the key is refused, unavailable on a 500, with messages free of the email', async () => {
    h.running.sim.setFaults({ errorRate: 1 });
    const down = await rejectionOf(h.client.removeFromList(listId, 'bob@example.com'));
    expect(down).toMatchObject({ kind: 'unavailable', status: 500 });
    h.running.sim.setFaults({ errorRate: 0 });
    h.running.sim.revokeKey(API_KEY);
    const refused = await rejectionOf(h.client.removeFromList(listId, 'bob@example.com'));
    expect(refused).toBeInstanceOf(AutopilotError);
    expect(refused).toMatchObject({ kind: 'auth', status: 401 });
    for (const err of [down, refused]) expect((err as Error).message).not.toMatch(/bob|@/);
    expect(members()).toBe(2);
  });
});

describe('AutopilotClient.removeFromList against other answers', () => {
  let server: http.Server;
  let answer: { status: number; body?: string };
  let seen: string[];
  let client: AutopilotClient;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(answer.status, answer.body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new AutopilotClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, apiKey: API_KEY, timeoutMs: 2_000 });
  });
  beforeEach(() => {
    seen = [];
  });
  afterAll(async () => {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('accepts a 204 without a body, and escapes the email in the path', async () => {
    answer = { status: 204 };
    expect(await client.removeFromList('contactlist_1', 'a b/c@example.com')).toBe('removed');
    expect(seen).toEqual(['DELETE /v1/list/contactlist_1/contact/a%20b%2Fc%40example.com']);
  });

  it('classifies a 400 as rejected, and an unreadable 200 as unavailable without naming the email', async () => {
    answer = { status: 400, body: JSON.stringify({ error: 'Bad Request', message: 'Invalid contact_id_or_email value provided.' }) };
    expect(await rejectionOf(client.removeFromList('contactlist_1', 'x@example.com'))).toMatchObject({ kind: 'rejected', status: 400 });
    answer = { status: 200, body: '[1, 2]' };
    const err = await rejectionOf(client.removeFromList('contactlist_1', 'x@example.com'));
    expect(err).toMatchObject({ kind: 'unavailable', message: 'Autopilot answered 200 with an unreadable response to DELETE /list/{list_id}/contact/{email}' });
  });
});
