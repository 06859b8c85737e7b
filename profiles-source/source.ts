/**
 * Where the profiles of an export come from: the built-in store or Customer Insights – Data
 * (Dataverse). The planner reads segments, their members page by page from a resumable cursor,
 * and the attributes of batches of members, through this boundary only.
 */
export interface SourceSegment {
  /** What exports name in `segmentIds`: the store's segment name, or a Dataverse segment's output name. */
  id: string;
  name: string;
  /** Members, when the source can count them cheaply; null when it cannot. */
  profileCount: number | null;
}

export interface SegmentList {
  segments: SourceSegment[];
  /**
   * True when the source stopped looking before the end (Dataverse: after a number of membership
   * pages): segments whose members all come later are missing, and counts are null.
   */
  truncated: boolean;
}

export interface MembersPage {
  profileIds: string[];
  /** Pass back to read the next page; null after the last page. Opaque, safe to keep in workflow history. */
  nextCursor: string | null;
}

export interface SourceProfile {
  id: string;
  /** Attribute names as users map them in an export (see each source for how they are named). */
  attributes: Record<string, unknown>;
}

export interface SourceField {
  name: string;
  /** Profiles that have the attribute, when the source can count them; null when it cannot. */
  profileCount: number | null;
}

export interface FetchProfilesOptions {
  /** Only these attributes (e.g. those an export's mapping uses); every attribute when absent. */
  fields?: string[];
  signal?: AbortSignal;
}

export interface ProfileSource {
  readonly kind: 'builtin' | 'dataverse';
  listSegments(signal?: AbortSignal): Promise<SegmentList>;
  /**
   * One page of a segment's member ids, from `cursor` (null: the start). Reading again from the same
   * cursor gives the same page, so a retried or resumed read neither skips nor repeats members.
   * From a null cursor, a segment without members fails with a non-retryable `notFound`
   * {@link ProfileSourceError}: both sources know a segment only through its members.
   */
  readMembers(segmentId: string, cursor: string | null, pageSize: number, signal?: AbortSignal): Promise<MembersPage>;
  /** The profiles of `ids` that exist, in no particular order; unknown ids are left out. */
  fetchProfiles(ids: string[], options?: FetchProfilesOptions): Promise<SourceProfile[]>;
  listProfileFields(signal?: AbortSignal): Promise<SourceField[]>;
  /** Releases sockets or other resources the source opened. */
  close(): Promise<void>;
}

export type ProfileSourceErrorKind =
  | 'config'
  | 'auth'
  | 'forbidden'
  | 'notFound'
  | 'badCursor'
  | 'rejected'
  | 'rateLimited'
  | 'unavailable'
  | 'timeout'
  | 'network';

const RETRYABLE: ReadonlySet<ProfileSourceErrorKind> = new Set(['rateLimited', 'unavailable', 'timeout', 'network']);

/**
 * A classified failure of a profile source. `retryable` tells a caller (an activity) whether trying
 * again later can help; a non-retryable one says in its message what to fix. Messages name tenants,
 * clients, segments and hosts, never a secret, a token or profile data.
 */
export class ProfileSourceError extends Error {
  override readonly name: string = 'ProfileSourceError';
  readonly kind: ProfileSourceErrorKind;
  readonly retryable: boolean;
  readonly status?: number;
  /** How long the remote asked to be left alone (its `Retry-After`), when it said so. */
  readonly retryAfterMs?: number;

  constructor(kind: ProfileSourceErrorKind, message: string, options: { status?: number; retryAfterMs?: number } = {}) {
    super(message);
    this.kind = kind;
    this.retryable = RETRYABLE.has(kind);
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The `notFound` every source throws for a segment without members. */
export function segmentNotFound(segmentId: string, where: string): ProfileSourceError {
  return new ProfileSourceError('notFound', `Segment "${segmentId}" has no members in ${where}, or does not exist`);
}
