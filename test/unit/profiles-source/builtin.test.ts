import { BuiltinProfileSource, ProfileSourceError } from '../../../profiles-source';
import { openDb, type Db } from '../../../store/db';
import { importProfiles } from '../../../store/profiles';

async function* lines(items: unknown[]): AsyncIterable<string> {
  for (const item of items) yield JSON.stringify(item);
}

const ids = Array.from({ length: 12 }, (_, i) => `p-${String(i + 1).padStart(2, '0')}`);

describe('the built-in store as a profile source', () => {
  let db: Db;
  let source: BuiltinProfileSource;
  beforeAll(async () => {
    db = await openDb();
    await importProfiles(
      db,
      lines(ids.map((id, i) => ({ id, segments: ['All', ...(i % 3 === 0 ? ['Third'] : [])], EmailAddress: `${id}@example.com`, Plan: i % 2 ? 'pro' : 'free' }))),
    );
    source = new BuiltinProfileSource(db);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  it('lists segments with counts and fields', async () => {
    expect(await source.listSegments()).toEqual({
      segments: [
        { id: 'All', name: 'All', profileCount: 12 },
        { id: 'Third', name: 'Third', profileCount: 4 },
      ],
      truncated: false,
    });
    expect((await source.listProfileFields()).map((f) => f.name)).toEqual(['EmailAddress', 'Plan']);
  });

  it('pages by profile id and resumes from a cursor without repeats or gaps', async () => {
    const first = await source.readMembers('All', null, 5);
    const second = await source.readMembers('All', first.nextCursor, 5);
    const resumed = await new BuiltinProfileSource(db).readMembers('All', second.nextCursor, 5);
    expect([first, second].map((p) => p.profileIds.length)).toEqual([5, 5]);
    expect(resumed).toEqual({ profileIds: ids.slice(10), nextCursor: null });
    expect([...first.profileIds, ...second.profileIds, ...resumed.profileIds]).toEqual(ids);
  });

  it('ends with a null cursor when the last page is exactly full', async () => {
    const first = await source.readMembers('Third', null, 2);
    const last = await source.readMembers('Third', first.nextCursor, 2);
    expect(last).toEqual({ profileIds: ['p-07', 'p-10'], nextCursor: null });
  });

  it('refuses a cursor of another segment, and fails an unknown segment clearly', async () => {
    const { nextCursor } = await source.readMembers('All', null, 5);
    await expect(source.readMembers('Third', nextCursor, 5)).rejects.toMatchObject({ kind: 'badCursor', retryable: false });
    await expect(source.readMembers('Third', 'garbage', 5)).rejects.toBeInstanceOf(ProfileSourceError);
    await expect(source.readMembers('Nope', null, 5)).rejects.toMatchObject({ kind: 'notFound', retryable: false, message: expect.stringContaining('"Nope"') });
  });

  it('fetches profiles, only the fields asked for, leaving unknown ids out', async () => {
    const profiles = await source.fetchProfiles(['p-02', 'p-03', 'p-99', 'p-02'], { fields: ['EmailAddress', 'Missing'] });
    expect(profiles.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'p-02', attributes: { EmailAddress: 'p-02@example.com' } },
      { id: 'p-03', attributes: { EmailAddress: 'p-03@example.com' } },
    ]);
    expect(await source.fetchProfiles([])).toEqual([]);
    const [all] = await source.fetchProfiles(['p-01']);
    expect(all.attributes).toEqual({ EmailAddress: 'p-01@example.com', Plan: 'free' });
  });
});
