import type { Connection, ConnectionStore } from '../store/connections';
import type { ExportConfig, ExportStore } from '../store/exports';
import { isAdmin, type Principal } from './auth';
import { notFound } from './errors';

/**
 * Who sees what. Admins see everything. Contributors see connections shared with them and the
 * exports on those; anything else is reported as not found, so its existence does not leak.
 */

export function canUseConnection(user: Principal, connection: Pick<Connection, 'usableBy'>): boolean {
  return isAdmin(user) || connection.usableBy === 'admins_and_contributors';
}

/** Ids of the connections the user may use; undefined means all (an admin). */
export async function usableConnectionIds(user: Principal, connections: ConnectionStore): Promise<Set<string> | undefined> {
  if (isAdmin(user)) return undefined;
  return new Set((await connections.list()).filter((c) => canUseConnection(user, c)).map((c) => c.id));
}

export async function canSeeExport(user: Principal, e: ExportConfig, connections: ConnectionStore): Promise<boolean> {
  if (isAdmin(user)) return true;
  // A detached export has no connection to be shared through: only admins can revive it.
  if (!e.connectionId) return false;
  const connection = await connections.get(e.connectionId);
  return connection !== undefined && canUseConnection(user, connection);
}

/** The export, if it exists and the user may see it; otherwise a 404. */
export async function visibleExport(
  user: Principal,
  id: string,
  stores: { exports: ExportStore; connections: ConnectionStore },
): Promise<ExportConfig> {
  const e = await stores.exports.get(id);
  if (!e || !(await canSeeExport(user, e, stores.connections))) throw notFound('Export');
  return e;
}
