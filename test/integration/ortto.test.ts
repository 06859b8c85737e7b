import { countsAddUp, sumValues, type RunCounts } from '../../domain/export';
import { startOrttoSim, type RunningOrttoSim } from '../../ortto-sim';
import { importProfiles } from '../../store/profiles';
import { until } from '../helpers/assertions';
import { startApiStack, type ApiStack } from '../helpers/api-stack';

const EXPORT_KEY = 'PRV-export-key';
const MIRROR_KEY = 'PRV-mirror-key';
const BURST_KEY = 'PRV-burst-key';
const RATE = 4;
const CUSTOM_FIELDS = [{ name: 'Visits', type: 'integer' }, { name: 'Renewal', type: 'date' }];
const MAPPING = { email: 'EmailAddress', firstName: 'FirstName', lastName: 'LastName', fields: { 'int:cm:visits': 'Visits', 'dtz:cm:renewal': 'Renewal' } };

type Profile = { id: string; segments: string[]; EmailAddress?: string; FirstName: string; LastName: string; Visits: unknown; Renewal: string };

/** The API's key and field checks are not paced with runs (an admin waits on them): the rate is judged on the run's requests alone. */
const apiChecksOutOfTheWindow = () => new Promise((resolve) => setTimeout(resolve, 1_100));

const pad = (i: number) => String(i).padStart(3, '0');

/**
 * Four overlapping segments, with every case an Ortto export meets: a case-variant and an exact
 * shared email, a missing and an invalid email, one the freeze takes but Ortto would not, values
 * that are no integer or no date, non-ASCII names, and a segment (Delta) whose every row is invalid.
 */
function buildProfiles(): Profile[] {
  const profiles: Profile[] = [];
  for (let i = 1; i <= 60; i++) {
    const segments = [i % 2 === 0 && 'Alpha', i % 3 === 0 && 'Beta', i % 5 === 0 && 'Gamma'].filter(Boolean) as string[];
    const p: Profile = {
      id: `p-${pad(i)}`, segments, EmailAddress: `person${i}@example.com`,
      FirstName: i % 4 === 0 ? `Zoë-${i}` : `F${i}`, LastName: i % 4 === 0 ? `Søren-明${i}` : `L${i}`,
      Visits: i === 19 ? '19' : i, Renewal: `2025-0${1 + (i % 9)}-15`,
    };
    if (i === 7) delete p.EmailAddress;
    if (i === 11) p.EmailAddress = 'not-an-email';
    // The rows Ortto would refuse are in a segment, so the run meets them.
    if ([13, 17, 23].includes(i)) p.segments.push('Alpha');
    if (i === 13) p.EmailAddress = 'o"brien13@example.com';
    if (i === 17) p.Visits = 'many';
    if (i === 23) p.Renewal = 'someday';
    if (i === 21) p.EmailAddress = ' PERSON10@Example.COM ';
    if (i === 35) p.EmailAddress = 'person9@example.com';
    profiles.push(p);
  }
  for (let i = 101; i <= 103; i++) {
    profiles.push({ id: `p-${pad(i)}`, segments: ['Delta'], EmailAddress: `delta${i}@example.com`, FirstName: 'D', LastName: 'D', Visits: 'lots', Renewal: '2025-01-01' });
  }
  return profiles;
}

const REJECTED = ['p-013', 'p-017', 'p-023', 'p-101', 'p-102', 'p-103'];

/** What Ortto must hold: by email (lower case), the fields of the lowest profile id and the segments of all who share it. */
function expected(profiles: Profile[]) {
  const people = new Map<string, { first: Profile; tags: Set<string> }>();
  for (const p of profiles) {
    const email = p.EmailAddress?.trim().toLowerCase();
    if (!email || p.segments.length === 0 || !/^[^@\s]+@[^@\s]+\.[^@\s.]+$/.test(email) || REJECTED.includes(p.id)) continue;
    const entry = people.get(email) ?? { first: p, tags: new Set<string>() };
    p.segments.forEach((s) => entry.tags.add(s));
    people.set(email, entry);
  }
  return people;
}

async function load(s: ApiStack, profiles: object[]): Promise<void> {
  const result = await importProfiles(s.db, (async function* () {
    for (const p of profiles) yield JSON.stringify(p);
  })());
  expect(result.rejected).toBe(0);
}

describe('Ortto as a destination', () => {
  let s: ApiStack;
  let ortto: RunningOrttoSim;

  beforeAll(async () => {
    s = await startApiStack();
    ortto = await startOrttoSim({ keys: [EXPORT_KEY, MIRROR_KEY], rateLimit: 0, customFields: CUSTOM_FIELDS });
  });
  afterAll(async () => {
    await ortto?.close();
    await s?.close();
  });

  async function connection(apiKey: string, baseUrl: string): Promise<string> {
    const created = await s.api('POST', '/connections', {
      type: 'ortto', displayName: `Ortto ${apiKey}`, apiKey, privacyConsent: true, baseUrl, region: 'eu', requestsPerSecond: RATE,
    });
    expect(created).toMatchObject({ status: 201, body: { type: 'ortto', region: 'eu', requestsPerSecond: RATE } });
    return created.body.id;
  }

  async function runToEnd(exportId: string): Promise<{ runId: string; status: string; counts: RunCounts; phase?: string }> {
    const started = await until('a run to start', async () => {
      const res = await s.api('POST', `/exports/${exportId}/runs`);
      return res.status === 409 ? undefined : res;
    });
    expect(started.status).toBe(202);
    const run = await until('the run to end', async () => {
      const { body } = await s.api('GET', `/runs/${started.body.runId}`);
      return body.status === 'running' ? undefined : body;
    }, 90_000);
    expect(countsAddUp(run.counts)).toBe(true);
    return { ...run, runId: started.body.runId };
  }

  it('refuses a key Ortto refuses and a mapping to a field the account does not have', async () => {
    const refused = await s.api('POST', '/connections', { type: 'ortto', displayName: 'Bad', apiKey: 'PRV-wrong', privacyConsent: true, baseUrl: ortto.url });
    expect(refused).toMatchObject({ status: 422, body: { error: { code: 'key_rejected' } } });
    const noRegion = await s.api('POST', '/connections', { displayName: 'AP', apiKey: 'x', privacyConsent: true, region: 'eu' });
    expect(noRegion).toMatchObject({ status: 400, body: { error: { details: { issues: [expect.objectContaining({ path: ['region'] })] } } } });

    const connectionId = await connection(EXPORT_KEY, ortto.url);
    await load(s, [{ id: 'probe', segments: ['Probe'], EmailAddress: 'probe@example.com', Visits: 1 }]);
    const base = { displayName: 'Probe', connectionId, segmentIds: ['Probe'] };
    const missing = await s.api('POST', '/exports', { ...base, mapping: { email: 'EmailAddress', fields: { 'str:cm:nope': 'Visits' } } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.issues).toEqual([expect.objectContaining({ path: ['mapping', 'fields', 'str:cm:nope'], message: expect.stringMatching(/no field "str:cm:nope"/) })]);
    const malformed = await s.api('POST', '/exports', { ...base, mapping: { email: 'EmailAddress', fields: { Visits: 'Visits' } } });
    expect(malformed.body.error.details.issues).toEqual([expect.objectContaining({ path: ['mapping', 'fields', 'Visits'] })]);
    expect(ortto.sim.stats(EXPORT_KEY).merges).toBe(0);
  });

  it('exports four overlapping segments as tags, with the mapped fields, rejecting invalid rows before sending', async () => {
    const profiles = buildProfiles();
    await load(s, profiles);
    const connectionId = await connection(EXPORT_KEY, ortto.url);
    const created = await s.api('POST', '/exports', { displayName: 'Ortto', connectionId, segmentIds: ['Alpha', 'Beta', 'Gamma', 'Delta'], mapping: MAPPING });
    expect(created.status).toBe(201);
    await apiChecksOutOfTheWindow();

    const run = await runToEnd(created.body.id);

    expect(run.status).toBe('completed');
    const want = expected(profiles);
    const people = ortto.sim.people(EXPORT_KEY);
    expect(people.map((p) => p.email.toLowerCase()).sort()).toEqual([...want.keys()].sort());
    for (const person of people) {
      const { first, tags } = want.get(person.email.toLowerCase())!;
      expect({ email: person.email, tags: person.tags }).toEqual({ email: person.email, tags: [...tags].sort() });
      expect(person.fields).toEqual({
        'str::email': first.EmailAddress!.trim(), 'str::first': first.FirstName, 'str::last': first.LastName,
        'int:cm:visits': Number(first.Visits), 'dtz:cm:renewal': new Date(first.Renewal).toISOString(), 'bol::p': true,
      });
    }
    expect(ortto.sim.person(EXPORT_KEY, 'person10@example.com')!.tags).toEqual(['Alpha', 'Beta', 'Gamma']);
    expect(sumValues(run.counts.rejected)).toBe(REJECTED.length);
    expect(run.counts.exported).toBe(want.size);
    const stats = ortto.sim.stats(EXPORT_KEY);
    // Invalid rows never reached Ortto: no merge was all invalid, nobody in one was.
    expect(stats).toMatchObject({ allInvalidMerges: 0, invalidPeople: 0, rateLimited: 0 });
    expect(Math.max(...stats.mergeSizes)).toBeLessThanOrEqual(100);
    expect(stats.peakPerSecond).toBeLessThanOrEqual(RATE);
    expect(ortto.sim.bans()).toBe(0);
    const reasons = await s.db.query<{ reason: string }>("SELECT DISTINCT reason FROM run_items WHERE run_id = $1 AND status = 'rejected' ORDER BY 1", [run.runId]);
    expect(reasons.map((r) => r.reason)).toEqual(['dtz:cm:renewal is not a date', 'int:cm:visits is not a whole number', 'not an email address Ortto accepts']);
  });

  it('incremental and mirror: sends nothing unchanged, takes only the leavers\' tag off, keeps unsubscribes, and gates a mass removal', async () => {
    const connectionId = await connection(MIRROR_KEY, ortto.url);
    const member = (i: number, segments: string[], first = `F${i}`) => ({ id: `m-${pad(i)}`, segments, EmailAddress: `member${i}@example.com`, FirstName: first });
    const club = (leaving: number[] = [], renamed: number[] = []) =>
      Array.from({ length: 20 }, (_, k) => k + 1).map((i) =>
        member(i, [...(leaving.includes(i) ? [] : ['Club']), ...(i <= 5 ? ['Newsletter'] : [])], renamed.includes(i) ? `Renamed${i}` : `F${i}`));
    await load(s, club());
    const created = await s.api('POST', '/exports', {
      displayName: 'Ortto mirror', connectionId, segmentIds: ['Club', 'Newsletter'], mapping: { email: 'EmailAddress', firstName: 'FirstName' }, removeWhenLeaving: true,
    });
    expect(created.body).toMatchObject({ mode: 'incremental', removeWhenLeaving: true });
    const exportId = created.body.id;
    expect((await runToEnd(exportId)).status).toBe('completed');
    expect(ortto.sim.person(MIRROR_KEY, 'member1@example.com')!.tags).toEqual(['Club', 'Newsletter']);

    const mergesBefore = ortto.sim.stats(MIRROR_KEY).merges;
    expect((await runToEnd(exportId)).counts.exported).toBe(0);
    expect(ortto.sim.stats(MIRROR_KEY).merges).toBe(mergesBefore);

    // Member 3 unsubscribes in Ortto and is renamed here: re-sent, still unsubscribed.
    ortto.sim.setEmailPermission(MIRROR_KEY, 'member3@example.com', false);
    await load(s, club([1, 2], [3]));
    const left = await runToEnd(exportId);
    expect(left).toMatchObject({ status: 'completed', counts: { removed: 2 } });
    expect(ortto.sim.person(MIRROR_KEY, 'member1@example.com')!.tags).toEqual(['Newsletter']);
    expect(ortto.sim.person(MIRROR_KEY, 'member2@example.com')!.tags).toEqual(['Newsletter']);
    expect(ortto.sim.person(MIRROR_KEY, 'member3@example.com')!.fields).toMatchObject({ 'str::first': 'Renamed3', 'bol::p': false });
    expect(ortto.sim.people(MIRROR_KEY)).toHaveLength(20);

    const unsetBefore = ortto.sim.stats(MIRROR_KEY).tagsUnset;
    await load(s, club(Array.from({ length: 17 }, (_, k) => k + 1)));
    const started = await s.api('POST', `/exports/${exportId}/runs`);
    const phase = await until('the approval gate', async () => {
      const { body } = await s.api('GET', `/runs/${started.body.runId}`);
      return body.phase?.startsWith('blocked') ? (body.phase as string) : undefined;
    });
    expect(phase).toMatch(/needs approval \(15 removals from Club\)/);
    expect(ortto.sim.stats(MIRROR_KEY).tagsUnset).toBe(unsetBefore);
    expect(ortto.sim.people(MIRROR_KEY)).toHaveLength(20);
    await s.api('POST', `/runs/${started.body.runId}/cancel`);
    await until('the cancelled run to end', async () => ((await s.api('GET', `/runs/${started.body.runId}`)).body.status === 'running' ? undefined : true));
    expect(ortto.sim.bans()).toBe(0);
  });

  it("waits out 429s as Ortto's try-in-seconds says, within the connection's rate, and is never banned", async () => {
    const bursty = await startOrttoSim({ keys: [BURST_KEY], rateLimit: 0, burst429: { every: 3, length: 1 } });
    try {
      const connectionId = await connection(BURST_KEY, bursty.url);
      const segments = Array.from({ length: 8 }, (_, k) => `Burst${k}`);
      await load(s, segments.flatMap((segment, k) => Array.from({ length: 5 }, (_, i) => ({ id: `b-${k}-${i}`, segments: [segment], EmailAddress: `b${k}x${i}@example.com` }))));
      const created = await s.api('POST', '/exports', { displayName: 'Burst', connectionId, segmentIds: segments, mapping: { email: 'EmailAddress' } });
      await apiChecksOutOfTheWindow();
      const run = await runToEnd(created.body.id);
      expect(run).toMatchObject({ status: 'completed', counts: { exported: 40 } });
      const stats = bursty.sim.stats(BURST_KEY);
      expect(stats.rateLimited).toBeGreaterThan(0);
      expect(stats.peakPerSecond).toBeLessThanOrEqual(RATE);
      expect(bursty.sim.people(BURST_KEY)).toHaveLength(40);
      expect(bursty.sim.bans()).toBe(0);
    } finally {
      await bursty.close();
    }
  });
});
