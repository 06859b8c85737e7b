import { randomBytes } from 'node:crypto';
import { SlidingWindow } from '../local-server/sliding-window';

/** A person as the simulated account holds them: fields by id, tags, and whether they may be emailed. */
export interface SimPerson {
  personId: string;
  fields: Record<string, unknown>;
  tags: Set<string>;
}

export interface SimCustomField {
  id: string;
  name: string;
  displayType: string;
}

/** What a test reads to judge a run: requests and their outcomes, per key. */
export interface OrttoSimStats {
  requests: number;
  byPath: Record<string, number>;
  merges: number;
  /** People per merge request, in the order received. */
  mergeSizes: number[];
  created: number;
  merged: number;
  invalidPeople: number;
  suppressedPeople: number;
  /** Merges in which nobody was valid (answered 400): each counts towards the ban. */
  allInvalidMerges: number;
  rateLimited: number;
  /** Most served requests of the key in any sliding second. */
  peakPerSecond: number;
  tagsUnset: number;
}

const newStats = (): OrttoSimStats => ({
  requests: 0, byPath: {}, merges: 0, mergeSizes: [], created: 0, merged: 0, invalidPeople: 0, suppressedPeople: 0,
  allInvalidMerges: 0, rateLimited: 0, peakPerSecond: 0, tagsUnset: 0,
});

/** One key's account: its people by lower-cased email, its custom fields and suppressions. */
export class SimAccount {
  readonly people = new Map<string, SimPerson>();
  readonly customFields = new Map<string, SimCustomField>();
  readonly suppressed = new Set<string>();
  readonly stats = newStats();
  readonly window = new SlidingWindow();
  burstServed = 0;
  burstLeft = 0;

  newPersonId(): string {
    return randomBytes(12).toString('hex');
  }
}

export class OrttoSimState {
  private readonly accounts = new Map<string, SimAccount>();

  constructor(keys: string[], private readonly seed: (account: SimAccount) => void) {
    for (const key of keys) this.add(key);
  }

  account(key: string): SimAccount | undefined {
    return this.accounts.get(key);
  }

  add(key: string): SimAccount {
    const account = new SimAccount();
    this.seed(account);
    this.accounts.set(key, account);
    return account;
  }
}
