import type { ContactResult, Destination, DestinationConfig, DestinationKind, OutgoingContact } from '../destinations/port';
import { retryingTransient } from '../destinations/retrying-transient';
import { AutopilotClient } from './client';
import { AUTOPILOT_REQUESTS_PER_SECOND, DEFAULT_AUTOPILOT_BASE_URL, MAX_CONTACTS_PER_UPSERT } from './contract';
import { AutopilotError } from './errors';
import { toContact } from './to-contact';

/** A contact Autopilot left out of its bulk answer: Autopilot says no more than that. */
const LEFT_OUT = 'refused by Autopilot';

/** Standard fields, and custom ones typed by prefix (`string--Plan--Tier`). */
const FIELD_NAME = /^((string|integer|float|date|boolean)--\S.*|[A-Za-z][A-Za-z0-9_]*)$/;

/** Autopilot behind the destination port: segments go to lists named after them. */
export const autopilotDestination: DestinationKind = {
  type: 'autopilot',
  label: 'Autopilot',
  defaultBaseUrl: DEFAULT_AUTOPILOT_BASE_URL,
  batchSize: MAX_CONTACTS_PER_UPSERT,
  defaultRequestsPerSecond: AUTOPILOT_REQUESTS_PER_SECOND,
  nameFields: { firstName: 'FirstName', lastName: 'LastName' },
  invalidFieldName: (name) =>
    FIELD_NAME.test(name) ? undefined : 'not an Autopilot field: a standard field name, or a custom one typed by its prefix (string--Name, integer--Name, …)',
  open: (config) => new AutopilotDestination(config),
};

class AutopilotDestination implements Destination {
  private readonly client: AutopilotClient;

  constructor(config: DestinationConfig) {
    this.client = new AutopilotClient(config);
  }

  async checkKey(signal?: AbortSignal) {
    const account = await this.client.getAccount(signal);
    return { name: account.fullName };
  }

  findPlaces(segmentIds: string[], signal?: AbortSignal) {
    return this.client.findLists(segmentIds, signal);
  }

  createPlaces(segmentIds: string[], signal?: AbortSignal) {
    return this.client.createLists(segmentIds, signal);
  }

  /**
   * A contact Autopilot leaves out of its answer is rejected on its own; a request Autopilot refuses
   * as a whole is halved until the bad contacts stand alone, so one bad record costs its own place
   * and nothing else, and carries Autopilot's own reason. Every other failure is thrown.
   */
  async upsert(contacts: OutgoingContact[], signal?: AbortSignal): Promise<ContactResult[]> {
    try {
      // Each request retried on the spot: one 429 or 500 among the halves must not start them all over.
      const { refused } = await retryingTransient(() => this.client.upsertContacts(contacts.map((c) => toContact(c.email, c.fields, c.place)), signal), signal);
      const refusedSet = new Set(refused);
      return contacts.map((_, i) => (refusedSet.has(i) ? { status: 'rejected', reason: LEFT_OUT } : { status: 'exported' }));
    } catch (err) {
      if (!(err instanceof AutopilotError && err.kind === 'rejected')) throw err;
      if (contacts.length === 1) return [{ status: 'rejected', reason: err.message }];
      const half = Math.ceil(contacts.length / 2);
      return [...(await this.upsert(contacts.slice(0, half), signal)), ...(await this.upsert(contacts.slice(half), signal))];
    }
  }

  removeMembership(place: string, email: string, signal?: AbortSignal) {
    return this.client.removeFromList(place, email, signal);
  }

  close(): void {
    this.client.close();
  }
}
