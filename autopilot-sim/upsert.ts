import type { ContactWrite } from '../autopilot/contract';
import type { Account } from './account';
import { isSyntacticallyValidEmail } from './contact-shape';
import type { Faults } from './faults';
import { MESSAGES } from './http';

export type UpsertOutcome =
  | { ok: false; message: string }
  | { ok: true; contactIds: string[]; emailContactMap: Record<string, string> };

/**
 * Applies a batch all-or-nothing for request-level problems (unknown list, `rejectBatchIfEmailMatches`)
 * and per contact for refusals: a refused contact is simply left out of the answer, which is the only
 * signal real Autopilot gives (spec 4.3).
 */
export function upsertBatch(account: Account, faults: Faults, contacts: ContactWrite[]): UpsertOutcome {
  const accepted: boolean[] = [];
  for (const contact of contacts) {
    const email = contact.Email;
    if (email !== undefined && faults.rejectsBatchFor(email)) return { ok: false, message: MESSAGES.invalidContactData };
    const list = contact._autopilot_list;
    if (list !== undefined && !account.getList(list)) return { ok: false, message: `List ${list} does not exist.` };
    // No Email at all is allowed (spec 3.2, not de-duplicated); a bad one is refused.
    accepted.push(email === undefined || (isSyntacticallyValidEmail(email) && !faults.refuses(email)));
  }
  const contactIds: string[] = [];
  const emailContactMap: Record<string, string> = {};
  contacts.forEach((contact, i) => {
    if (!accepted[i]) return;
    const id = account.upsert(contact);
    contactIds.push(id);
    if (contact.Email !== undefined) emailContactMap[contact.Email] = id;
  });
  return { ok: true, contactIds, emailContactMap };
}
