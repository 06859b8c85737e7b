import type { ContactResult, Destination, DestinationConfig, DestinationKind, OutgoingContact } from '../destinations/port';
import { isDestinationError } from '../destinations/errors';
import { retryingTransient } from '../destinations/retrying-transient';
import { OrttoClient } from './client';
import { MAX_PEOPLE_PER_MERGE, ORTTO_BASE_URLS, ORTTO_REQUESTS_PER_SECOND, type MergePerson, type PersonResult } from './contract';
import { sanitize } from './errors';
import { BUILTIN_FIELDS, invalidFieldId, kindOfDisplayType, type FieldKind, type OrttoField } from './fields';
import { toPerson } from './to-person';

const MERGED = new Set(['created', 'merged']);

/**
 * Ortto behind the destination port. A segment is a tag named after it (a tag exists once a person
 * carries it, so places are found and made without a request); people are merged by email with
 * their segment's tag, and a leaver loses that tag only: no person is ever archived or deleted.
 */
export const orttoDestination: DestinationKind = {
  type: 'ortto',
  label: 'Ortto',
  defaultBaseUrl: ORTTO_BASE_URLS.default,
  regions: ORTTO_BASE_URLS,
  batchSize: MAX_PEOPLE_PER_MERGE,
  defaultRequestsPerSecond: ORTTO_REQUESTS_PER_SECOND,
  nameFields: { firstName: 'str::first', lastName: 'str::last' },
  fieldsMustExist: true,
  invalidFieldName: invalidFieldId,
  open: (config) => new OrttoDestination(config),
};

class OrttoDestination implements Destination {
  private readonly client: OrttoClient;
  /** The account's fields by id, read once per opening: what each value must be converted to. */
  private kinds?: Promise<Map<string, FieldKind>>;

  constructor(config: DestinationConfig) {
    this.client = new OrttoClient(config);
  }

  /** Ortto has no account endpoint a key can read: the field list proves the key and names no one. */
  async checkKey(signal?: AbortSignal) {
    const custom = await this.client.listCustomFields(signal);
    return { name: `Ortto account with ${custom.length} custom person field${custom.length === 1 ? '' : 's'}` };
  }

  async listFields(signal?: AbortSignal): Promise<OrttoField[]> {
    const custom = await this.client.listCustomFields(signal);
    return [...BUILTIN_FIELDS, ...custom.map((f) => ({ id: f.id, kind: kindOfDisplayType(f.displayType) }))];
  }

  /** Every segment's tag "exists"; reading the fields checks the key before the run plans. */
  async findPlaces(segmentIds: string[], signal?: AbortSignal) {
    await this.fieldKinds(signal);
    return tagsOf(segmentIds);
  }

  async createPlaces(segmentIds: string[]) {
    return tagsOf(segmentIds);
  }

  /**
   * Each contact is checked and converted first: those Ortto would refuse come back rejected
   * without a request, so no merge is ever all invalid (a bad request, and 15 of those in 15 s ban
   * the sender). The rest go in one merge; a merge Ortto refuses as a whole rejects them all with
   * its reason, rather than being split and sent again as more bad requests.
   */
  async upsert(contacts: OutgoingContact[], signal?: AbortSignal): Promise<ContactResult[]> {
    const kinds = await this.fieldKinds(signal);
    const checked = contacts.map((c) => toPerson(c, kinds));
    const people = checked.flatMap((c) => ('person' in c ? [c.person] : []));
    const answers = await this.mergeOrReject(people, signal);
    let next = 0;
    return checked.map((c) => ('reason' in c ? { status: 'rejected', reason: c.reason } : resultOf(answers[next++])));
  }

  removeMembership(place: string, email: string, signal?: AbortSignal) {
    return retryingTransient(() => this.client.unsetTag(place, email, signal), signal);
  }

  close(): void {
    this.client.close();
  }

  private async mergeOrReject(people: MergePerson[], signal?: AbortSignal): Promise<PersonResult[]> {
    try {
      return await retryingTransient(() => this.client.merge(people, signal), signal);
    } catch (err) {
      if (!isDestinationError(err, 'rejected')) throw err;
      return people.map(() => ({ status: 'refused', error: err.message }));
    }
  }

  private fieldKinds(signal?: AbortSignal): Promise<Map<string, FieldKind>> {
    const kinds = (this.kinds ??= retryingTransient(() => this.listFields(signal), signal).then((fields) => new Map(fields.map((f) => [f.id, f.kind]))));
    // A failed read is not kept: the next batch asks again.
    kinds.catch(() => {
      if (this.kinds === kinds) this.kinds = undefined;
    });
    return kinds;
  }
}

const tagsOf = (segmentIds: string[]) => Object.fromEntries(segmentIds.map((id) => [id, id]));

function resultOf(answer: PersonResult): ContactResult {
  if (MERGED.has(answer.status)) return { status: 'exported' };
  return { status: 'rejected', reason: sanitize(`Ortto: ${answer.status}${answer.error ? ` (${answer.error})` : ''}`) };
}
