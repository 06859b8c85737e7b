import { DataverseProfileSource } from '../../../profiles-source';
import { rejectionOf, startHarness, type Harness } from './fixtures';

const MEMBERSHIPS = 'msdynci_segmentmemberships';

/**
 * `listSegments` scans membership pages with the workers' app registration, so callers share one scan
 * at a time and reuse its result briefly, and a scan stops at its page limit saying so.
 */
describe('Dataverse source: listing segments', () => {
  let h: Harness;
  let clock: number;
  const listingReads = () => h.running.sim.stats().byTable[MEMBERSHIPS] ?? 0;
  const sourceWith = (options: ConstructorParameters<typeof DataverseProfileSource>[1]) => new DataverseProfileSource(h.another().client, { now: () => clock, ...options });

  beforeEach(async () => {
    h = await startHarness({ customers: undefined, demoCustomers: 12_000 });
    clock = 1_000_000;
  });
  afterEach(async () => {
    await h.close();
  });

  it('makes one scan for callers that come while it runs, and none within the cache window', async () => {
    const source = sourceWith({ listCacheMs: 30_000 });
    const lists = await Promise.all(Array.from({ length: 5 }, () => source.listSegments()));
    const pagesOfOneScan = listingReads();
    expect(pagesOfOneScan).toBe(2); // the memberships of 12,000 demo customers: two pages
    expect(new Set(lists.map((l) => JSON.stringify(l))).size).toBe(1);

    clock += 29_000;
    expect(await source.listSegments()).toEqual(lists[0]);
    expect(listingReads()).toBe(pagesOfOneScan);

    clock += 2_000;
    await source.listSegments();
    expect(listingReads()).toBe(2 * pagesOfOneScan);
  });

  it('does not keep a failed scan: the next caller scans again', async () => {
    const source = sourceWith({});
    h.running.sim.failNext(6, 503);
    expect(await rejectionOf(source.listSegments())).toMatchObject({ kind: 'unavailable', retryable: true });
    const { segments } = await source.listSegments();
    expect(segments.map((s) => s.id)).toContain('Newsletter_Subscribers');
  });

  it("lets a caller leave without stopping the scan others wait for", async () => {
    const source = sourceWith({});
    const leaving = new AbortController();
    const left = source.listSegments(leaving.signal);
    const staying = source.listSegments();
    leaving.abort(new Error('the client went away'));
    expect(await rejectionOf(left)).toMatchObject({ message: 'the client went away' });
    expect((await staying).truncated).toBe(false);
  });

  it('stops at its page limit, listing the names found without counts, as truncated', async () => {
    const { segments, truncated } = await sourceWith({ listScanPages: 1 }).listSegments();
    expect(truncated).toBe(true);
    expect(segments.map((s) => s.id)).toContain('Newsletter_Subscribers');
    expect(segments.every((s) => s.profileCount === null)).toBe(true);
    expect(listingReads()).toBe(1);
  });
});
