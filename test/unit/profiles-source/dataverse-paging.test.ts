import { DataverseError, DataverseProfileSource } from '../../../profiles-source';
import { readPages, rejectionOf, startHarness, type Harness } from './fixtures';

const ALL = Array.from({ length: 23 }, (_, i) => `c-${String(i + 1).padStart(2, '0')}`);

describe('Dataverse source: reading a segment page by page', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('reads every member once over several pages, ending with a null cursor', async () => {
    const pages = await readPages(h, 'All', 5);
    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.flat()).toEqual(ALL);
    expect(h.running.sim.stats()).toMatchObject({ pagesServed: 5, repeatedPages: 0, tokensIssued: 1 });
  });

  it('resumes from a cursor in another client (a restarted worker) without repeating or skipping', async () => {
    const first = await h.source.readMembers('All', null, 5);
    const second = await h.source.readMembers('All', first.nextCursor, 5);
    h.client.close();
    const resumed = h.another();
    const rest: string[] = [];
    for (let cursor = second.nextCursor; cursor; ) {
      const page = await resumed.source.readMembers('All', cursor, 5);
      rest.push(...page.profileIds);
      cursor = page.nextCursor;
    }
    const all = [...first.profileIds, ...second.profileIds, ...rest];
    expect(all).toEqual(ALL);
    expect(new Set(all).size).toBe(all.length);
    expect(h.running.sim.stats().repeatedPages).toBe(0);
  });

  it('gives the same page again from the same cursor (a retried activity)', async () => {
    const first = await h.source.readMembers('Odd', null, 4);
    const again = await h.source.readMembers('Odd', first.nextCursor, 4);
    const retried = await h.source.readMembers('Odd', first.nextCursor, 4);
    expect(retried).toEqual(again);
  });

  it('refuses a cursor of another segment, or one pointing elsewhere, without sending it', async () => {
    const { nextCursor } = await h.source.readMembers('All', null, 5);
    const before = h.running.sim.stats().requests;
    expect(await rejectionOf(h.source.readMembers('Odd', nextCursor, 5))).toMatchObject({ kind: 'badCursor', retryable: false });
    const elsewhere = nextCursor!.replace(/^http:\/\/127\.0\.0\.1:\d+/, 'https://evil.example.com');
    const err = await rejectionOf(h.source.readMembers('All', elsewhere, 5));
    expect(err).toBeInstanceOf(DataverseError);
    expect(err).toMatchObject({ kind: 'badCursor', retryable: false });
    expect(h.running.sim.stats().requests).toBe(before);
  });

  it('clamps a page size above Dataverse\'s 5,000', async () => {
    const page = await h.source.readMembers('All', null, 50_000);
    expect(page).toEqual({ profileIds: ALL, nextCursor: null });
  });

  it('fails a segment that does not exist with a clear, non-retryable reason naming it', async () => {
    const err = await rejectionOf(h.source.readMembers('No_Such_Segment', null, 5));
    expect(err).toMatchObject({ kind: 'notFound', retryable: false });
    expect((err as Error).message).toMatch(/"No_Such_Segment".*output name/);
    expect(h.running.sim.stats().requests).toBe(1);
  });

  it('lists segments with their counts, and profile fields named without the msdynci_ prefix', async () => {
    expect(await h.source.listSegments()).toEqual({
      segments: [
        { id: 'All', name: 'All', profileCount: 23 },
        { id: 'Odd', name: 'Odd', profileCount: 12 },
      ],
      truncated: false,
    });
    expect(await h.source.listProfileFields()).toEqual([
      { name: 'contoso_tier', profileCount: null },
      { name: 'emailaddress', profileCount: null },
      { name: 'firstname', profileCount: null },
    ]);
  });
});

describe('Dataverse source: profile lookups', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('fetches profiles in batches, selecting only the mapped columns, with attribute names', async () => {
    const ids = [...Array.from({ length: 120 }, (_, i) => `c-${String(i + 1).padStart(2, '0')}`)];
    const profiles = await h.source.fetchProfiles(ids, { fields: ['emailaddress', 'FirstName', 'not_a_column'] });
    expect(profiles).toHaveLength(23);
    const byId = new Map(profiles.map((p) => [p.id, p.attributes]));
    expect(byId.get('c-01')).toEqual({ emailaddress: 'user01@example.com', firstname: 'First01' });
    expect(byId.get('c-10')).toEqual({ firstname: 'First10' }); // null email: absent, as in the built-in store
    // One read of the columns, then ceil(120 / 50) lookups.
    expect(h.running.sim.stats().byTable.msdynci_customerprofiles).toBe(1 + 3);
  });

  it('fetches every attribute when no fields are given', async () => {
    const [profile] = await h.source.fetchProfiles(['c-02']);
    expect(profile).toEqual({ id: 'c-02', attributes: { firstname: 'First02', emailaddress: 'user02@example.com', contoso_tier: 'Gold' } });
  });
});

describe('Dataverse source over the demo data', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ customers: undefined, demoCustomers: 30_000 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('reads a 12,000-member segment in pages of at most 5,000', async () => {
    const pages = await readPages(h, 'Newsletter_Subscribers', 5_000);
    expect(pages.map((p) => p.length)).toEqual([5_000, 5_000, 2_000]);
    expect(new Set(pages.flat()).size).toBe(12_000);
  });

  it('counts segments by scanning memberships, and gives up counting past the scan limit', async () => {
    const counted = await h.source.listSegments();
    expect(counted.segments.find((s) => s.id === 'Newsletter_Subscribers')).toEqual({ id: 'Newsletter_Subscribers', name: 'Newsletter_Subscribers', profileCount: 12_000 });
    expect(counted.truncated).toBe(false);
    const { client } = h.another();
    const limited = await new DataverseProfileSource(client, { listScanPages: 1 }).listSegments();
    expect(limited.truncated).toBe(true);
    expect(limited.segments.map((s) => s.id)).toContain('Newsletter_Subscribers');
    expect(limited.segments.every((s) => s.profileCount === null)).toBe(true);
  });
});
