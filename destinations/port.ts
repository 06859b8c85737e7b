import type http from 'node:http';
import type https from 'node:https';

/**
 * The destination port: what a run needs of an email-marketing platform, and the one interface
 * the engine calls. Each platform is an adapter behind it (destinations/autopilot.ts); nothing
 * outside an adapter names its platform. Failures are {@link DestinationError}s.
 */

/** The platforms a connection may point at. */
export const DESTINATION_TYPES = ['autopilot', 'ortto'] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/** The account a key belongs to, as the key check learns it: for people, never for logic. */
export interface DestinationAccount {
  name: string;
}

/** A field of the destination's account a mapping may send to: its id, and its kind of value in the platform's words. */
export interface DestinationField {
  id: string;
  kind: string;
}

/** One contact of a batch, as its run froze it: the email, the mapped fields (destination field → value), where it goes. */
export interface OutgoingContact {
  email: string;
  fields: Record<string, unknown>;
  /** The place of its segment: a list id, a tag… */
  place: string;
}

/** What became of one contact of a batch; a rejection carries the destination's reason, free of profile data. */
export type ContactResult = { status: 'exported' } | { status: 'rejected'; reason: string };

/** A destination opened with one connection's key. */
export interface Destination {
  /** One authenticated call that creates nothing: the key works, and whose account it is. */
  checkKey(signal?: AbortSignal): Promise<DestinationAccount>;
  /** The places named after these segments that exist, by segment; creates nothing. */
  findPlaces(segmentIds: string[], signal?: AbortSignal): Promise<Record<string, string>>;
  /** Creates the places named after these segments (one made meanwhile is taken), by segment. */
  createPlaces(segmentIds: string[], signal?: AbortSignal): Promise<Record<string, string>>;
  /** Creates or updates up to `batchSize` contacts, keyed by email (a retry is safe): one result per contact, in order. */
  upsert(contacts: OutgoingContact[], signal?: AbortSignal): Promise<ContactResult[]>;
  /** Takes one contact off one place; the contact itself stays. Repeating it is harmless. */
  removeMembership(place: string, email: string, signal?: AbortSignal): Promise<'removed' | 'notMember'>;
  /** The fields of the account a mapping may name, for platforms whose fields must exist before they are sent. */
  listFields?(signal?: AbortSignal): Promise<DestinationField[]>;
  close(): void;
}

/** What a destination is opened with. */
export interface DestinationConfig {
  apiKey: string;
  baseUrl: string;
  timeoutMs?: number;
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
  keepAlive?: boolean;
  /** Awaited before every request: where the key's rate budget, shared by every process, takes its turn. */
  beforeRequest?: (signal?: AbortSignal) => Promise<void>;
}

/** A platform: how to reach it, its request budget and contact shape, and how to open it. */
export interface DestinationKind {
  type: DestinationType;
  /** What people call it, in messages and the console. */
  label: string;
  defaultBaseUrl: string;
  /** For platforms whose keys live in one region: the base URL of each region a connection may name. */
  regions?: Readonly<Record<string, string>>;
  /** Contacts per upsert, at most. */
  batchSize: number;
  /** Requests per second a key may make unless its connection says otherwise. */
  defaultRequestsPerSecond: number;
  /** Its own field names for a profile's first and last name. */
  nameFields: { firstName: string; lastName: string };
  /** Its accounts' fields must exist before a mapping sends to them: an export's are checked against {@link Destination.listFields}. */
  fieldsMustExist?: boolean;
  /** Why a mapped field name cannot be sent there, or undefined when it can. */
  invalidFieldName(name: string): string | undefined;
  open(config: DestinationConfig): Destination;
}
