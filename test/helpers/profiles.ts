import type { Db } from '../../store/db';
import { importProfiles } from '../../store/profiles';

export interface TestProfile {
  id: string;
  segments: string[];
  EmailAddress?: string;
  FirstName: string;
  LastName: string;
  Plan: string;
}

/**
 * Profiles with every case an export must handle, at known places: overlapping segments A, B, C
 * (and some in none), missing, empty and invalid emails, case-variant duplicates with spaces
 * around them (in other segments than the profile they duplicate), non-ASCII names, and emails
 * the simulator can be told to refuse (`refused-…`).
 */
export function buildProfiles(count: number): TestProfile[] {
  const profiles: TestProfile[] = [];
  for (let i = 1; i <= count; i++) {
    const segments = [i % 2 === 0 && 'A', i % 3 === 0 && 'B', (i % 5 === 0 || i % 7 === 0) && 'C'].filter(Boolean) as string[];
    const first = i % 13 === 0 ? `Zoë-Łucja${i}` : `Fn${i}q`;
    const p: TestProfile = { id: `p-${String(i).padStart(5, '0')}`, segments, FirstName: first, LastName: i % 17 === 0 ? `Søren-明${i}` : `Ln${i}q`, Plan: i % 4 ? 'pro' : 'free' };
    const kind = i % 50;
    if (kind === 1) delete p.EmailAddress;
    else if (kind === 11) p.EmailAddress = ' ';
    else if (kind === 2) p.EmailAddress = `user${i}.example.com`;
    else if (kind === 3 && i > 3) p.EmailAddress = ` USER${i - 3}@Example.COM `;
    else if (kind === 4) p.EmailAddress = `refused-${i}@example.org`;
    else if (kind === 6) p.EmailAddress = `\tUser${i - 1}@EXAMPLE.com\n`; // profile i - 1 is in other segments
    else p.EmailAddress = `user${i}@example.com`;
    profiles.push(p);
  }
  return profiles;
}

export async function loadProfiles(db: Db, profiles: TestProfile[]): Promise<void> {
  async function* lines() {
    for (const p of profiles) yield JSON.stringify(p);
  }
  const result = await importProfiles(db, lines());
  if (result.rejected > 0) throw new Error(`test data rejected: ${JSON.stringify(result.errors)}`);
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s.]+$/;

export interface Expected {
  total: number;
  skipped: Record<string, number>;
  /** Lower-cased email → what Autopilot should hold. */
  contacts: Map<string, { FirstName: string; LastName: string; lists: string[] }>;
  refused: string[];
  /** Profile id of a skipped duplicate → the profile sent in its place. */
  sentAs: Map<string, string>;
}

/**
 * An independent oracle of what an export of `segments` must do, written plainly in JS. Profiles
 * sharing an email (trimmed, any case) are one contact with the lowest id's fields, on the list of
 * every segment any of them is in; the others are skipped as duplicates of it.
 */
export function expectedExport(profiles: TestProfile[], segments: string[], refuse = /^refused-/): Expected {
  const chosen = profiles.filter((p) => p.segments.some((s) => segments.includes(s))).sort((a, b) => (a.id < b.id ? -1 : 1));
  const skipped: Record<string, number> = {};
  const skip = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
  const senders = new Map<string, { profile: TestProfile; lists: Set<string> }>();
  const sentAs = new Map<string, string>();
  for (const p of chosen) {
    const email = p.EmailAddress?.trim().toLowerCase();
    const lists = segments.filter((s) => p.segments.includes(s));
    const sender = email && senders.get(email);
    if (!email) skip('no email');
    else if (!EMAIL.test(email)) skip('invalid email');
    else if (sender) {
      skip('duplicate email');
      sentAs.set(p.id, sender.profile.id);
      lists.forEach((l) => sender.lists.add(l));
    } else senders.set(email, { profile: p, lists: new Set(lists) });
  }
  const contacts: Expected['contacts'] = new Map();
  const refused: string[] = [];
  for (const [email, { profile, lists }] of senders) {
    if (refuse.test(email)) refused.push(email);
    else contacts.set(email, { FirstName: profile.FirstName, LastName: profile.LastName, lists: segments.filter((s) => lists.has(s)).sort() });
  }
  return { total: chosen.length, skipped, contacts, refused, sentAs };
}
