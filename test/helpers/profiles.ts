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
 * (and some in none), missing, empty and invalid emails, case-variant duplicates, and emails
 * the simulator can be told to refuse (`refused-…`).
 */
export function buildProfiles(count: number): TestProfile[] {
  const profiles: TestProfile[] = [];
  for (let i = 1; i <= count; i++) {
    const segments = [i % 2 === 0 && 'A', i % 3 === 0 && 'B', (i % 5 === 0 || i % 7 === 0) && 'C'].filter(Boolean) as string[];
    const p: TestProfile = { id: `p-${String(i).padStart(5, '0')}`, segments, FirstName: `Fn${i}q`, LastName: `Ln${i}q`, Plan: i % 4 ? 'pro' : 'free' };
    const kind = i % 50;
    if (kind === 1) delete p.EmailAddress;
    else if (kind === 11) p.EmailAddress = ' ';
    else if (kind === 2) p.EmailAddress = `user${i}.example.com`;
    else if (kind === 3 && i > 3) p.EmailAddress = ` USER${i - 3}@Example.COM `;
    else if (kind === 4) p.EmailAddress = `refused-${i}@example.org`;
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
}

/** An independent oracle of what an export of `segments` must do, written plainly in JS. */
export function expectedExport(profiles: TestProfile[], segments: string[], refuse = /^refused-/): Expected {
  const chosen = profiles.filter((p) => p.segments.some((s) => segments.includes(s))).sort((a, b) => (a.id < b.id ? -1 : 1));
  const skipped: Record<string, number> = {};
  const skip = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
  const contacts: Expected['contacts'] = new Map();
  const refused: string[] = [];
  for (const p of chosen) {
    const email = p.EmailAddress?.trim().toLowerCase();
    if (!email) skip('no email');
    else if (!EMAIL.test(email)) skip('invalid email');
    else if (contacts.has(email) || refused.includes(email)) skip('duplicate email');
    else if (refuse.test(email)) refused.push(email);
    else contacts.set(email, { FirstName: p.FirstName, LastName: p.LastName, lists: segments.filter((s) => p.segments.includes(s)) });
  }
  return { total: chosen.length, skipped, contacts, refused };
}
