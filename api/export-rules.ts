import type { FieldMapping } from '../domain/export';
import type { ConnectionStore } from '../store/connections';
import type { Db } from '../store/db';
import { listProfileFields, segmentsExist } from '../store/profiles';
import { canUseConnection } from './access';
import type { Principal } from './auth';
import { invalid, type Issue } from './errors';

export interface ExportReferences {
  connectionId?: string;
  segmentIds?: string[];
  mapping?: FieldMapping;
}

/**
 * The checks zod cannot make: the connection exists and the user may use it, the segments
 * exist, and some profile has each mapped attribute. Only the given parts are checked, so a
 * PATCH of the name does not fail because a segment emptied since. Throws a 400 naming each field.
 */
export async function checkReferences(
  refs: ExportReferences,
  user: Principal,
  deps: { db: Db; connections: ConnectionStore },
): Promise<void> {
  const issues: Issue[] = [];
  const issue = (path: Issue['path'], message: string) => issues.push({ in: 'body', path, code: 'unknown_reference', message });

  if (refs.connectionId !== undefined) {
    const connection = await deps.connections.get(refs.connectionId);
    // Not shared with a contributor reads the same as absent: no existence leak.
    if (!connection || !canUseConnection(user, connection)) issue(['connectionId'], 'no such connection');
  }
  if (refs.segmentIds !== undefined) {
    const missing = new Set(await segmentsExist(deps.db, refs.segmentIds));
    refs.segmentIds.forEach((id, i) => {
      if (missing.has(id)) issue(['segmentIds', i], `no segment "${id}"`);
    });
  }
  if (refs.mapping !== undefined) {
    const known = new Set((await listProfileFields(deps.db)).map((f) => f.name));
    const check = (path: Issue['path'], attribute: string | undefined) => {
      if (attribute !== undefined && !known.has(attribute)) issue(path, `no profile has the attribute "${attribute}"`);
    };
    const { email, firstName, lastName, fields = {} } = refs.mapping;
    check(['mapping', 'email'], email);
    check(['mapping', 'firstName'], firstName);
    check(['mapping', 'lastName'], lastName);
    for (const [field, attribute] of Object.entries(fields)) check(['mapping', 'fields', field], attribute);
  }
  if (issues.length > 0) throw invalid(issues);
}
