import { AutopilotError } from '../../../autopilot';
import { API_KEY, buildContacts, rejectionOf, startHarness, type Harness } from './fixtures';

describe('AutopilotClient against the simulator', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('reads the account when the key is valid', async () => {
    const account = await h.client.getAccount();
    expect(account.fullName).toEqual(expect.any(String));
    expect(account.email).toContain('@');
  });

  it('throws an auth error when Autopilot rejects the key', async () => {
    h.running.sim.revokeKey(API_KEY);
    const err = await rejectionOf(h.client.getAccount());
    expect(err).toBeInstanceOf(AutopilotError);
    expect(err).toMatchObject({ kind: 'auth', status: 401, name: 'AutopilotError' });
    expect((err as Error).message).toBe('Autopilot answered 401 Unauthorized: Provided autopilotapikey not valid.');
  });

  it('upserts contacts and reports no refusals when all are accepted', async () => {
    const result = await h.client.upsertContacts(buildContacts(2));
    expect(result).toEqual({ refused: [] });
    const stored = h.running.sim.contacts(API_KEY).map((c) => c.Email).sort();
    expect(stored).toEqual(['person0@example.com', 'person1@example.com']);
  });

  it('returns the index of a contact Autopilot refused, and stores the others', async () => {
    const contacts = buildContacts(3);
    contacts[1] = { Email: 'not-an-email' };
    const result = await h.client.upsertContacts(contacts);
    expect(result.refused).toEqual([1]);
    expect(h.running.sim.contacts(API_KEY)).toHaveLength(2);
  });

  it('matches emails case-insensitively when reading the answer', async () => {
    const result = await h.client.upsertContacts([{ Email: '  Mixed.Case@Example.com ' }]);
    expect(result.refused).toEqual([]);
  });

  it('refuses more than 100 contacts without sending anything', async () => {
    const err = await rejectionOf(h.client.upsertContacts(buildContacts(101)));
    expect(err).toMatchObject({ kind: 'rejected' });
    expect(h.running.sim.stats(API_KEY).requests).toBe(0);
  });

  it('updates an existing contact instead of duplicating it', async () => {
    await h.client.upsertContacts([{ Email: 'ann@example.com', FirstName: 'Ann', LastName: 'Lee' }]);
    await h.client.upsertContacts([{ Email: 'ANN@example.com', FirstName: 'Anne' }]);
    const [ann, ...others] = h.running.sim.contacts(API_KEY);
    expect(others).toHaveLength(0);
    expect(ann).toMatchObject({ Email: 'ANN@example.com', FirstName: 'Anne', LastName: 'Lee' });
  });
});

describe('AutopilotClient lists', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('ensureLists creates the missing lists once, in one read, and then finds them', async () => {
    await h.client.createList('Segment: VIP');
    const first = await h.client.ensureLists(['Segment: VIP', 'Segment: New']);
    expect(h.running.sim.stats(API_KEY).byPath).toMatchObject({ 'GET /lists': 1, 'POST /list': 2 });
    expect(await h.client.ensureLists(['Segment: New', 'Segment: VIP'])).toEqual(first);
    expect(Object.values(first)).toEqual([expect.stringMatching(/^contactlist_/), expect.stringMatching(/^contactlist_/)]);
    expect(await h.client.findLists(['Segment: VIP', 'Segment: Gone'])).toEqual({ 'Segment: VIP': first['Segment: VIP'] });
  });

  it('ensureLists recovers from a 409 when another caller created the list first', async () => {
    // Both calls read the (empty) lists before either creates, so one create gets 409.
    const [a, b] = await Promise.all([h.client.ensureLists(['Race']), h.client.ensureLists(['Race'])]);
    expect(a).toEqual(b);
    expect(h.running.sim.lists(API_KEY)).toHaveLength(1);
    expect(h.running.sim.stats(API_KEY).byPath).toMatchObject({ 'POST /list': 2, 'GET /lists': 3 });
  });

  it('createList surfaces the 409 for an existing name', async () => {
    await h.client.createList('Dup');
    const err = await rejectionOf(h.client.createList('Dup'));
    expect(err).toMatchObject({ kind: 'rejected', status: 409 });
  });

  it('adds contacts to the list named by _autopilot_list', async () => {
    const { Newsletter: listId } = await h.client.ensureLists(['Newsletter']);
    await h.client.upsertContacts(buildContacts(2, { _autopilot_list: listId }));
    const contacts = h.running.sim.contacts(API_KEY);
    expect(contacts.map((c) => c.list_titles)).toEqual([['Newsletter'], ['Newsletter']]);
    expect(h.running.sim.lists(API_KEY)).toEqual([{ list_id: listId, title: 'Newsletter', total_contacts: 2 }]);
  });

  it('rejects the whole batch when _autopilot_list names no list', async () => {
    const err = await rejectionOf(h.client.upsertContacts(buildContacts(2, { _autopilot_list: 'contactlist_nope' })));
    expect(err).toMatchObject({ kind: 'rejected', status: 400 });
    expect(h.running.sim.contacts(API_KEY)).toHaveLength(0);
  });
});
