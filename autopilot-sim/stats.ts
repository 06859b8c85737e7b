import { SlidingWindow } from '../local-server/sliding-window';
import { BurstCounter } from './rate-limit';

/** Counters of one key (account). `served` = every answer that is not a 429. */
export interface SimStats {
  /** Authenticated requests, including 429s. */
  requests: number;
  served: number;
  /** 429s, from the rate limit or from `burst429`. */
  rateLimited: number;
  /** Served requests answered with a status >= 400 (injected faults, 400s, 404s, 408s...). */
  errors: number;
  /** `POST /contacts` requests whose upsert was applied (200, or applied then held by a timeout fault). */
  upserts: number;
  /** Contacts stored by those upserts. */
  upsertedContacts: number;
  /** Memberships taken off lists (`DELETE /list/:listId/contact/:idOrEmail` that removed a member); contacts stay. */
  removals: number;
  /** The same, per list_id. */
  removalsByList: Record<string, number>;
  /** Most served requests in any sliding second. */
  maxPerSecond: number;
  /** Most requests received in any sliding second, 429s included: what a caller's pacing really did. */
  maxReceivedPerSecond: number;
  /** Requests per `METHOD /route/:template`; templates keep emails and ids out. */
  byPath: Record<string, number>;
}

export function emptyStats(): SimStats {
  return {
    requests: 0,
    served: 0,
    rateLimited: 0,
    errors: 0,
    upserts: 0,
    upsertedContacts: 0,
    removals: 0,
    removalsByList: {},
    maxPerSecond: 0,
    maxReceivedPerSecond: 0,
    byPath: {},
  };
}

/** Per-key runtime: counters plus the window and burst state the rate limiter needs. */
export class KeyRuntime {
  readonly stats = emptyStats();
  readonly window = new SlidingWindow();
  readonly received = new SlidingWindow();
  readonly burst = new BurstCounter();

  recordReceived(now: number): void {
    this.stats.requests++;
    this.stats.maxReceivedPerSecond = Math.max(this.stats.maxReceivedPerSecond, this.received.record(now));
  }

  /** A membership taken off `listId`. */
  recordRemoval(listId: string): void {
    this.stats.removals++;
    this.stats.removalsByList[listId] = (this.stats.removalsByList[listId] ?? 0) + 1;
  }

  recordServed(now: number): void {
    this.stats.served++;
    this.stats.maxPerSecond = Math.max(this.stats.maxPerSecond, this.window.record(now));
  }
}

/** Sums counters across keys; `maxPerSecond` stays per key, so the total is the worst key's. */
export function sumStats(all: SimStats[]): SimStats {
  const total = emptyStats();
  for (const s of all) {
    total.requests += s.requests;
    total.served += s.served;
    total.rateLimited += s.rateLimited;
    total.errors += s.errors;
    total.upserts += s.upserts;
    total.upsertedContacts += s.upsertedContacts;
    total.removals += s.removals;
    for (const [list, n] of Object.entries(s.removalsByList)) total.removalsByList[list] = (total.removalsByList[list] ?? 0) + n;
    total.maxPerSecond = Math.max(total.maxPerSecond, s.maxPerSecond);
    total.maxReceivedPerSecond = Math.max(total.maxReceivedPerSecond, s.maxReceivedPerSecond);
    for (const [path, n] of Object.entries(s.byPath)) total.byPath[path] = (total.byPath[path] ?? 0) + n;
  }
  return total;
}

const ROUTES: Array<[RegExp, string]> = [
  [/^\/account$/, '/account'],
  [/^\/contacts$/, '/contacts'],
  [/^\/contacts\/[^/]+$/, '/contacts/:bookmark'],
  [/^\/contact$/, '/contact'],
  [/^\/contact\/[^/]+$/, '/contact/:idOrEmail'],
  [/^\/lists$/, '/lists'],
  [/^\/list$/, '/list'],
  [/^\/list\/[^/]+\/contacts(\/[^/]+)?$/, '/list/:listId/contacts'],
  [/^\/list\/[^/]+\/contact\/[^/]+$/, '/list/:listId/contact/:idOrEmail'],
];

/** `POST /v1/contacts` → `POST /contacts`; unknown paths are lumped together. */
export function pathLabel(method: string, path: string): string {
  const relative = path.replace(/^\/v1/, '').replace(/\/+$/, '') || '/';
  const route = ROUTES.find(([re]) => re.test(relative));
  return `${method} ${route ? route[1] : '(other)'}`;
}
