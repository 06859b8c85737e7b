import { countsAddUp, SkipReason } from '../../domain/export';
import { ErrorType } from '../../domain/errors';
import { toSettings } from '../../store/exports';
import { innermostFailure } from '../helpers/assertions';
import { createMemoryDestination } from '../helpers/memory-destination';
import { buildProfiles, expectedExport, loadProfiles } from '../helpers/profiles';
import { startTestStack, type TestStack } from '../helpers/stack';

const profiles = buildProfiles(1_200);
const SEGMENTS = ['A', 'B', 'C'];
const REFUSED_KEY = 'ffffffffffffffffffffffffffffffff';

/**
 * The run code against a second destination behind the port, in memory: the same scenarios as
 * against Autopilot's simulator, checked at the destination. Nothing of the run may assume Autopilot.
 */
describe('the destination port', () => {
  const memory = createMemoryDestination({ refusedKey: REFUSED_KEY });
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ worker: { destinationKinds: () => memory.kind } });
    await loadProfiles(stack.db, profiles);
  });
  afterAll(() => stack?.close());

  async function settingsOf(fields: { segmentIds: string[]; removeWhenLeaving?: boolean; maxRemovalShare?: number }, apiKey?: string) {
    const connection = await stack.createConnection(apiKey);
    const e = await stack.createExport({ connectionId: connection.id, ...fields });
    return toSettings({ ...e, connectionId: connection.id });
  }

  it('exports overlapping segments exactly, sends nothing again when nothing changed, and takes leavers off', async () => {
    const expected = expectedExport(profiles, SEGMENTS);
    const settings = await settingsOf({ segmentIds: SEGMENTS, removeWhenLeaving: true, maxRemovalShare: 1 });

    const first = await stack.run(settings, { batchesPerExecution: 3 });

    expect(first.counts).toEqual({
      total: expected.total,
      exported: expected.contacts.size,
      pending: 0,
      skipped: expected.skipped,
      rejected: { 'the memory destination refuses it': expected.refused.length },
    });
    expect(new Set(memory.contacts.keys())).toEqual(new Set(expected.contacts.keys()));
    for (const [email, contact] of expected.contacts) {
      const held = memory.contacts.get(email)!;
      expect({ FirstName: held.fields.FirstName, LastName: held.fields.LastName, lists: [...held.places].sort() }).toEqual(contact);
    }

    const again = await stack.run(settings);
    expect(again.counts.exported).toBe(0);
    expect(again.counts.skipped[SkipReason.UNCHANGED]).toBe(expected.contacts.size);

    const emailOf = (p: { EmailAddress?: string }) => p.EmailAddress?.trim().toLowerCase() ?? '';
    const inA = profiles.filter((p) => p.segments.includes('A'));
    // One whose email no other profile of A shares: its leaving takes the membership off.
    const leaver = inA.find((p) => expected.contacts.has(emailOf(p)) && inA.filter((q) => emailOf(q) === emailOf(p)).length === 1)!;
    await loadProfiles(stack.db, [{ ...leaver, segments: leaver.segments.filter((s) => s !== 'A') }]);
    const email = leaver.EmailAddress!.trim().toLowerCase();
    const mirrored = await stack.run(settings);
    expect(countsAddUp(mirrored.counts)).toBe(true);
    expect(memory.removals).toEqual([`A:${email}`]);
    expect(mirrored.counts.removed).toBe(1);
    expect(memory.contacts.get(email)!.places.has('A')).toBe(false);
  });

  it('fails at once, naming the refusal, when the destination refuses the key', async () => {
    const settings = await settingsOf({ segmentIds: ['A'] }, REFUSED_KEY);
    const err = await stack.run(settings).catch((x: unknown) => x);
    expect(innermostFailure(err)).toMatchObject({ type: ErrorType.DestinationAuth, message: 'The memory destination refuses this key' });
  });
});
