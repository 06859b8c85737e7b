import { DEFAULT_MAX_REMOVAL_SHARE, type FieldMapping } from '../domain/export';
import { BuiltinProfileSource } from '../profiles-source/builtin';
import { ProfileSourceError, type ProfileSource } from '../profiles-source/source';
import type { ConnectionStore } from '../store/connections';
import type { Db } from '../store/db';
import { canUseConnection } from './access';
import { isAdmin, type Principal } from './auth';
import { ApiError, invalid, type Issue } from './errors';
import { mappedFieldIssues } from './mapped-fields';
import type { ListDestinationFields } from './ports';

export interface ExportReferences {
  connectionId?: string;
  segmentIds?: string[];
  mapping?: FieldMapping;
  /** The connection and mapping the export will have, when either changes: its mapped fields are checked against that destination. */
  destination?: { connectionId: string | null; mapping: FieldMapping };
}

/**
 * The checks zod cannot make: the connection exists and the user may use it, the segments
 * exist, and some profile has each mapped attribute, in the configured profile source. Only the
 * given parts are checked, so a PATCH of the name does not fail because a segment emptied since.
 * Throws a 400 naming each field; a source that fails throws its {@link ProfileSourceError}.
 */
export async function checkReferences(
  refs: ExportReferences,
  user: Principal,
  deps: { db: Db; connections: ConnectionStore; profiles?: ProfileSource; destinationFields?: ListDestinationFields },
): Promise<void> {
  const profiles = deps.profiles ?? new BuiltinProfileSource(deps.db);
  const issues: Issue[] = [];
  const issue = (path: Issue['path'], message: string) => issues.push({ in: 'body', path, code: 'unknown_reference', message });

  if (refs.connectionId !== undefined) {
    const connection = await deps.connections.get(refs.connectionId);
    // Not shared with a contributor reads the same as absent: no existence leak.
    if (!connection || !canUseConnection(user, connection)) issue(['connectionId'], 'no such connection');
  }
  const destination = refs.destination ?? (refs.connectionId !== undefined && refs.mapping ? { connectionId: refs.connectionId, mapping: refs.mapping } : undefined);
  if (destination?.connectionId && issues.length === 0) issues.push(...(await mappedFieldIssues(destination.connectionId, destination.mapping, deps)));
  if (refs.segmentIds !== undefined) {
    const missing = new Set(await missingSegments(profiles, refs.segmentIds));
    refs.segmentIds.forEach((id, i) => {
      if (missing.has(id)) issue(['segmentIds', i], `no segment "${id}"`);
    });
  }
  if (refs.mapping !== undefined) {
    // Dataverse's column names are lower case, and an attribute matches its column ignoring case.
    const key = profiles.kind === 'dataverse' ? (name: string) => name.toLowerCase() : (name: string) => name;
    const known = new Set((await profiles.listProfileFields()).map((f) => key(f.name)));
    const check = (path: Issue['path'], attribute: string | undefined) => {
      if (attribute !== undefined && !known.has(key(attribute))) issue(path, `no profile has the attribute "${attribute}"`);
    };
    const { email, firstName, lastName, fields = {} } = refs.mapping;
    check(['mapping', 'email'], email);
    check(['mapping', 'firstName'], firstName);
    check(['mapping', 'lastName'], lastName);
    for (const [field, attribute] of Object.entries(fields)) check(['mapping', 'fields', field], attribute);
  }
  if (issues.length > 0) throw invalid(issues);
}

/**
 * The segments of `ids` the source knows no members of, in input order without repeats: one
 * one-member page each (a source knows a segment only through its members), one after the other.
 */
async function missingSegments(profiles: ProfileSource, ids: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    try {
      await profiles.readMembers(id, null, 1);
    } catch (err) {
      if (!(err instanceof ProfileSourceError && err.kind === 'notFound')) throw err;
      missing.push(id);
    }
  }
  return missing;
}

/** An export's removal settings: what decides whether, and how much, a run may take off its lists. */
export interface RemovalSettings {
  removeWhenLeaving?: boolean;
  maxRemovalShare?: number;
}

/**
 * Removals happen only by an admin's decision: only an admin may turn mirror mode on or let a run
 * remove more than the default share without approval. Anyone may narrow them (turn mirror mode
 * off, lower the share) or send them back unchanged. `current`: the export as it is (undefined
 * when it is being created). Throws a 403 naming the field.
 */
export function checkRemovalRights(user: Principal, wanted: RemovalSettings, current?: Required<RemovalSettings>): void {
  if (isAdmin(user)) return;
  const mirrorNow = current?.removeWhenLeaving ?? false;
  // What an admin set stands, below the default too: a contributor may only narrow it.
  const shareNow = current?.maxRemovalShare ?? DEFAULT_MAX_REMOVAL_SHARE;
  if (wanted.removeWhenLeaving === true && !mirrorNow) {
    throw new ApiError(403, 'forbidden', 'Only admins may turn mirror mode on (removeWhenLeaving): it takes memberships off Autopilot lists');
  }
  if (wanted.maxRemovalShare !== undefined && wanted.maxRemovalShare > shareNow) {
    throw new ApiError(403, 'forbidden', `Only admins may raise maxRemovalShare above ${shareNow}: a larger share removes more without approval`);
  }
}
