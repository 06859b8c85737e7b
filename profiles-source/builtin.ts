import type { Db } from '../store/db';
import { listProfileFields, listSegments } from '../store/profiles';
import {
  ProfileSourceError,
  segmentNotFound,
  type FetchProfilesOptions,
  type MembersPage,
  type ProfileSource,
  type SegmentList,
  type SourceField,
  type SourceProfile,
} from './source';

/** Most ids read per page, as for Dataverse (its page size limit), so both sources page alike. */
export const MAX_BUILTIN_PAGE_SIZE = 5_000;

/**
 * The built-in store as a profile source. Members are read by keyset on the segment's primary key
 * (segment_id, profile_id): the cursor is the last profile id of a page, so reading resumes after it
 * even if members were added or removed meanwhile, and a page is one index range scan.
 */
export class BuiltinProfileSource implements ProfileSource {
  readonly kind = 'builtin' as const;

  constructor(private readonly db: Db) {}

  async listSegments(): Promise<SegmentList> {
    return { segments: await listSegments(this.db), truncated: false };
  }

  async listProfileFields(): Promise<SourceField[]> {
    return listProfileFields(this.db);
  }

  async readMembers(segmentId: string, cursor: string | null, pageSize: number): Promise<MembersPage> {
    const size = clampPageSize(pageSize);
    const after = cursor === null ? null : decodeCursor(cursor, segmentId);
    const rows = await this.db.query<{ id: string }>(
      `SELECT profile_id AS id FROM segment_members
       WHERE segment_id = $1 AND ($2::text IS NULL OR profile_id > $2) ORDER BY profile_id LIMIT $3`,
      [segmentId, after, size + 1],
    );
    if (cursor === null && rows.length === 0) throw segmentNotFound(segmentId, 'the profile store');
    const profileIds = rows.slice(0, size).map((r) => r.id);
    const more = rows.length > size;
    return { profileIds, nextCursor: more ? encodeCursor(segmentId, profileIds[profileIds.length - 1]) : null };
  }

  async fetchProfiles(ids: string[], options: FetchProfilesOptions = {}): Promise<SourceProfile[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<{ id: string; attributes: Record<string, unknown> }>(
      'SELECT id, attributes FROM profiles WHERE id = ANY($1::text[])',
      [[...new Set(ids)]],
    );
    const { fields } = options;
    return rows.map((r) => ({ id: r.id, attributes: fields ? pick(r.attributes, fields) : r.attributes }));
  }

  async close(): Promise<void> {
    // The store belongs to whoever opened it.
  }
}

function clampPageSize(pageSize: number): number {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError('pageSize must be a positive integer');
  return Math.min(pageSize, MAX_BUILTIN_PAGE_SIZE);
}

function pick(attributes: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(fields.filter((f) => Object.hasOwn(attributes, f)).map((f) => [f, attributes[f]]));
}

/** The cursor names its segment, so a cursor of one segment is never read as another's. */
function encodeCursor(segmentId: string, lastProfileId: string): string {
  return Buffer.from(JSON.stringify({ s: segmentId, after: lastProfileId })).toString('base64url');
}

function decodeCursor(cursor: string, segmentId: string): string {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const { s, after } = (value ?? {}) as { s?: unknown; after?: unknown };
  if (s !== segmentId || typeof after !== 'string') {
    throw new ProfileSourceError('badCursor', `The cursor is not one of segment "${segmentId}"'s pages in the profile store`);
  }
  return after;
}
