import type { OutgoingContact } from '../destinations/port';
import { EMAIL_FIELD, MAX_STRING_LENGTH, type MergePerson } from './contract';
import { kindOfId, type FieldKind } from './fields';
import { convertValue } from './values';

/** One contact as a merge takes it, or why Ortto would refuse it (said without its data). */
export type PersonOrReason = { person: MergePerson } | { reason: string };

/** What Ortto takes as an email: one @, no spaces or quotes, a dot in the domain. */
const EMAIL = /^[^\s@"'<>(),;:\\[\]]+@[^\s@"'<>(),;:\\[\]]+\.[^\s@"'<>(),;:\\[\].]+$/;

/**
 * Builds the person a merge sends for one contact, checking it first as Ortto would: a request in
 * which nobody is valid is a bad request, and 15 of those in 15 seconds ban the sender's address.
 * The person carries its segment's tag and only the fields mapped: the email permission
 * (`bol::p`) goes only when an export maps it, so an unsubscribed person stays unsubscribed.
 * `kinds`: the account's fields by id; a field absent there is taken by its id's type.
 */
export function toPerson(contact: OutgoingContact, kinds: ReadonlyMap<string, FieldKind>): PersonOrReason {
  const email = contact.email.trim();
  if (!EMAIL.test(email) || [...email].length > MAX_STRING_LENGTH) return { reason: 'not an email address Ortto accepts' };
  if (!contact.place || [...contact.place].length > MAX_STRING_LENGTH) return { reason: 'the segment name is not a tag Ortto accepts' };
  const fields: Record<string, unknown> = { [EMAIL_FIELD]: email };
  for (const [id, value] of Object.entries(contact.fields)) {
    if (value === null || value === undefined || id === EMAIL_FIELD) continue;
    const kind = kinds.get(id) ?? kindOfId(id);
    if (!kind) return { reason: `${id} is not an Ortto field` };
    const converted = convertValue(kind, value);
    if ('error' in converted) return { reason: `${id} ${converted.error}` };
    fields[id] = converted.value;
  }
  return { person: { fields, tags: [contact.place] } };
}
