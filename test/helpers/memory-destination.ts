import type { ContactResult, Destination, DestinationKind, OutgoingContact } from '../../destinations';
import { DestinationError } from '../../destinations';

/** A contact as the in-memory destination holds it: its fields, and the names of the places it is in. */
export interface HeldContact {
  fields: Record<string, unknown>;
  places: Set<string>;
}

/**
 * A second destination behind the port, in memory: places named after segments, contacts keyed
 * by email (any case), emails starting `refused-` refused one by one with its own reason, and a key
 * it refuses. If the run code worked only with Autopilot, runs against this would fail.
 */
export function createMemoryDestination(options: { refusedKey?: string } = {}) {
  const places = new Map<string, string>();
  const contacts = new Map<string, HeldContact>();
  const removals: string[] = [];
  const placeName = (id: string) => [...places].find(([, placeId]) => placeId === id)?.[0] ?? id;

  const destination = (apiKey: string): Destination => ({
    async checkKey() {
      if (apiKey === options.refusedKey) throw new DestinationError('auth', 'The memory destination refuses this key', { status: 401 });
      return { name: 'Memory' };
    },
    async findPlaces(segmentIds: string[]) {
      await this.checkKey();
      return Object.fromEntries(segmentIds.flatMap((id) => (places.has(id) ? [[id, places.get(id)!]] : [])));
    },
    async createPlaces(segmentIds: string[]) {
      for (const id of segmentIds) if (!places.has(id)) places.set(id, `place-${places.size + 1}`);
      return Object.fromEntries(segmentIds.map((id) => [id, places.get(id)!]));
    },
    async upsert(batch: OutgoingContact[]): Promise<ContactResult[]> {
      await this.checkKey();
      return batch.map((c) => {
        if (/^refused-/i.test(c.email)) return { status: 'rejected', reason: 'the memory destination refuses it' };
        const held = contacts.get(c.email.toLowerCase()) ?? { fields: {}, places: new Set<string>() };
        held.fields = { ...held.fields, ...c.fields };
        held.places.add(placeName(c.place));
        contacts.set(c.email.toLowerCase(), held);
        return { status: 'exported' };
      });
    },
    async removeMembership(place: string, email: string) {
      const held = contacts.get(email.toLowerCase());
      removals.push(`${placeName(place)}:${email.toLowerCase()}`);
      return held?.places.delete(placeName(place)) ? 'removed' : 'notMember';
    },
    close: () => undefined,
  });

  const kind: DestinationKind = {
    type: 'autopilot',
    label: 'Memory',
    defaultBaseUrl: 'http://memory.invalid',
    batchSize: 100,
    defaultRequestsPerSecond: 1000,
    nameFields: { firstName: 'FirstName', lastName: 'LastName' },
    invalidFieldName: () => undefined,
    open: (config) => destination(config.apiKey),
  };
  return { kind, contacts, removals, places };
}
