import { membershipFilter, unescapedMembershipFilter } from '../../../profiles-source/dataverse/memberships';
import { readAll, rejectionOf, startHarness, type Harness } from './fixtures';

/**
 * Segment names that Dataverse's contains() (SQL LIKE, ignoring case) would read as patterns or
 * confuse with others: each selects exactly its own members, over real HTTP against the fake.
 */
const SEGMENTS: Record<string, string[]> = {
  '%': ['c-01'],
  _: ['c-02'],
  a_b: ['c-03'],
  axb: ['c-04', 'c-05'],
  '[x]': ['c-06'],
  x: ['c-07'],
  VIP: ['c-08', 'c-09'],
  vip: ['c-10'],
  "O'Brien %_[": ['c-11'],
};

function customers() {
  const byId = new Map<string, string[]>();
  for (const [name, ids] of Object.entries(SEGMENTS)) for (const id of ids) byId.set(id, [...(byId.get(id) ?? []), name]);
  byId.get('c-09')!.push('axb'); // a member of two segments
  return [...byId].map(([id, segments]) => ({ id, segments, columns: { msdynci_emailaddress: `${id}@example.com` } }));
}

describe('Dataverse source: segment names with LIKE wildcards, brackets, quotes and case variants', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ customers: customers() });
  });
  afterAll(async () => {
    await h.close();
  });

  it.each(Object.keys(SEGMENTS))('%s selects exactly its own members, on one page or many', async (name) => {
    const members = name === 'axb' ? ['c-04', 'c-05', 'c-09'] : SEGMENTS[name];
    expect(await readAll(h, name, 5_000)).toEqual(members);
    expect(await readAll(h, name, 2)).toEqual(members);
  });

  it('lists each name with its own count', async () => {
    const { segments, truncated } = await h.source.listSegments();
    expect(truncated).toBe(false);
    expect(Object.fromEntries(segments.map((s) => [s.id, s.profileCount]))).toEqual({ ...Object.fromEntries(Object.entries(SEGMENTS).map(([n, ids]) => [n, ids.length])), axb: 3 });
  });

  it('escapes %, _ and [ in brackets and doubles single quotes', () => {
    expect(membershipFilter('%')).toBe(`contains(msdynci_segments,'"[%]"')`);
    expect(membershipFilter('a_b')).toBe(`contains(msdynci_segments,'"a[_]b"')`);
    expect(membershipFilter('[x]')).toBe(`contains(msdynci_segments,'"[[]x]"')`);
    expect(membershipFilter("O'Brien")).toBe(`contains(msdynci_segments,'"O''Brien"')`);
  });

  it('does not take a case variant with no members of its own for a segment', async () => {
    expect(await rejectionOf(h.source.readMembers('Vip', null, 5))).toMatchObject({ kind: 'notFound' });
    expect(await rejectionOf(h.source.readMembers('a%b', null, 5))).toMatchObject({ kind: 'notFound' });
  });

  it("still reads on from a cursor of a run that started before names were escaped", async () => {
    const first = await h.client.query('msdynci_segmentmemberships', { select: ['msdynci_customerid'], filter: unescapedMembershipFilter('axb') }, 1);
    const rest = await h.source.readMembers('axb', first.nextLink, 5);
    expect(rest).toEqual({ profileIds: ['c-05', 'c-09'], nextCursor: null });
  });
});
