import type { BadRequestBan } from './rate-limit';
import type { OrttoSimState, OrttoSimStats, SimAccount, SimCustomField, SimPerson } from './state';

/** A person as tests read them: tags sorted. */
export interface SimPersonView {
  personId: string;
  email: string;
  fields: Record<string, unknown>;
  tags: string[];
}

/** What tests and the inspection endpoints may read and set up; the API itself is only over HTTP. */
export interface OrttoSimControl {
  people(key: string): SimPersonView[];
  person(key: string, email: string): SimPersonView | undefined;
  stats(key: string): OrttoSimStats;
  customFields(key: string): SimCustomField[];
  /** Puts an email on the account's suppression list: merges answer it `suppressed`. */
  suppress(key: string, email: string): void;
  /** Sets a person's email permission, as someone unsubscribing would. */
  setEmailPermission(key: string, email: string, allowed: boolean): void;
  /** Bans of the sender by the bad-request limiter so far. */
  bans(): number;
}

export function createOrttoSimControl(state: OrttoSimState, ban: BadRequestBan): OrttoSimControl {
  const account = (key: string): SimAccount => {
    const found = state.account(key);
    if (!found) throw new Error('No simulated account has that key');
    return found;
  };
  const view = (p: SimPerson): SimPersonView => ({
    personId: p.personId,
    email: String(p.fields['str::email']),
    fields: { ...p.fields },
    tags: [...p.tags].sort(),
  });
  return {
    people: (key) => [...account(key).people.values()].map(view).sort((a, b) => a.email.localeCompare(b.email)),
    person: (key, email) => {
      const found = account(key).people.get(email.trim().toLowerCase());
      return found && view(found);
    },
    stats: (key) => structuredClone(account(key).stats),
    customFields: (key) => [...account(key).customFields.values()],
    suppress: (key, email) => void account(key).suppressed.add(email.trim().toLowerCase()),
    setEmailPermission: (key, email, allowed) => {
      const found = account(key).people.get(email.trim().toLowerCase());
      if (found) found.fields['bol::p'] = allowed;
    },
    bans: () => ban.bans,
  };
}
