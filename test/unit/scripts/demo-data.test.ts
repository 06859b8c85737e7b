import { DEFAULT_SEGMENTS, generateDemoProfiles } from '../../../scripts/demo-data';

type Demo = { id: string; segments: string[]; EmailAddress?: string } & Record<string, unknown>;

const parse = (lines: Iterable<string>): Demo[] => Array.from(lines, (l) => JSON.parse(l) as Demo);
const VALID_EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]+$/i;

describe('generateDemoProfiles', () => {
  const count = 20_000;
  const profiles = parse(generateDemoProfiles({ count, seed: 42 }));
  const share = (predicate: (p: Demo) => boolean) => profiles.filter(predicate).length / count;

  it('is deterministic for a seed and differs across seeds', () => {
    const a = [...generateDemoProfiles({ count: 500, seed: 1 })];
    expect([...generateDemoProfiles({ count: 500, seed: 1 })]).toEqual(a);
    expect([...generateDemoProfiles({ count: 500, seed: 2 })]).not.toEqual(a);
    expect(profiles.slice(0, 500).map((p) => JSON.stringify(p))).toEqual([...generateDemoProfiles({ count: 500, seed: 42 })]);
  });

  it('produces unique sequential ids and the expected attributes', () => {
    expect(new Set(profiles.map((p) => p.id)).size).toBe(count);
    expect(profiles[0].id).toBe('p-000001');
    expect(profiles[count - 1].id).toBe('p-020000');
    for (const p of profiles.slice(0, 200)) {
      expect(Object.keys(p)).toEqual(expect.arrayContaining(['FirstName', 'LastName', 'Company', 'City', 'Plan', 'SignupDate', 'LifetimeValue']));
      expect(['free', 'pro', 'enterprise']).toContain(p.Plan);
      expect(p.SignupDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(typeof p.LifetimeValue).toBe('number');
    }
  });

  it('only uses reserved example domains', () => {
    const domains = new Set(profiles.filter((p) => VALID_EMAIL.test(p.EmailAddress ?? '')).map((p) => p.EmailAddress!.split('@')[1].toLowerCase()));
    expect([...domains].sort()).toEqual(['example.com', 'example.net', 'example.org']);
  });

  it('has roughly the intended shares of email problems', () => {
    const noEmail = share((p) => !('EmailAddress' in p));
    const empty = share((p) => p.EmailAddress === '');
    const invalid = share((p) => !!p.EmailAddress && !VALID_EMAIL.test(p.EmailAddress));
    expect(noEmail).toBeGreaterThan(0.015);
    expect(noEmail).toBeLessThan(0.025);
    expect(empty).toBeGreaterThan(0.006);
    expect(empty).toBeLessThan(0.014);
    expect(invalid).toBeGreaterThan(0.006);
    expect(invalid).toBeLessThan(0.014);
  });

  it('makes emails unique except for case-variant duplicates of another profile', () => {
    const exact = new Map<string, number>();
    const folded = new Map<string, number>();
    for (const p of profiles) {
      if (!p.EmailAddress || !VALID_EMAIL.test(p.EmailAddress)) continue;
      exact.set(p.EmailAddress, (exact.get(p.EmailAddress) ?? 0) + 1);
      folded.set(p.EmailAddress.toLowerCase(), (folded.get(p.EmailAddress.toLowerCase()) ?? 0) + 1);
    }
    const caseVariants = [...exact.keys()].filter((e) => e !== e.toLowerCase());
    expect(caseVariants.length / count).toBeGreaterThan(0.006);
    expect(caseVariants.length / count).toBeLessThan(0.014);
    // Every upper-case variant points at an existing lower-case original.
    for (const e of caseVariants) expect(exact.has(e.toLowerCase())).toBe(true);
    const duplicatedGroups = [...folded.values()].filter((n) => n > 1).length;
    expect(duplicatedGroups).toBeGreaterThan(0);
    // Originals (all lower case) are unique; only the variants repeat them.
    expect([...exact].filter(([e, n]) => e === e.toLowerCase() && n > 1)).toEqual([]);
  });

  it('spreads profiles over the default segments with overlaps and a few in none', () => {
    const none = share((p) => p.segments.length === 0);
    const multi = share((p) => p.segments.length > 1);
    expect(none).toBeGreaterThan(0.02);
    expect(none).toBeLessThan(0.1);
    expect(multi).toBeGreaterThan(0.3);
    expect(share((p) => p.segments.length <= 3)).toBe(1);
    const used = new Set(profiles.flatMap((p) => p.segments));
    expect([...used].sort()).toEqual([...DEFAULT_SEGMENTS].sort());
    expect(profiles.filter((p) => new Set(p.segments).size !== p.segments.length)).toEqual([]);
  });

  it('uses custom segments when given', () => {
    const custom = parse(generateDemoProfiles({ count: 300, seed: 3, segments: ['A', 'B'] }));
    expect(new Set(custom.flatMap((p) => p.segments))).toEqual(new Set(['A', 'B']));
  });
});
