import { destinationKind, DestinationError } from '../destinations';
import type { FieldMapping } from '../domain/export';
import type { ConnectionStore } from '../store/connections';
import { ApiError, type Issue } from './errors';
import type { ListDestinationFields } from './ports';

/**
 * The mapped destination fields a connection cannot take: names its platform cannot send, and,
 * for platforms whose fields must exist first (Ortto), fields its account does not have. One
 * issue per field, naming it. A destination that cannot list its fields now is a 502: saving an
 * export it may not be able to run would only move the surprise to the run.
 */
export async function mappedFieldIssues(
  connectionId: string,
  mapping: FieldMapping,
  deps: { connections: ConnectionStore; destinationFields?: ListDestinationFields },
): Promise<Issue[]> {
  const connection = await deps.connections.get(connectionId);
  const ids = Object.keys(mapping.fields ?? {});
  if (!connection || ids.length === 0) return [];
  const kind = destinationKind(connection.type);
  const issue = (field: string, message: string): Issue => ({ in: 'body', path: ['mapping', 'fields', field], code: 'unknown_reference', message });
  const malformed = ids.flatMap((id) => {
    const why = kind.invalidFieldName(id);
    return why ? [issue(id, `"${id}": ${why}`)] : [];
  });
  if (malformed.length > 0 || !kind.fieldsMustExist || !deps.destinationFields) return malformed;
  const known = await listed(deps.destinationFields, connectionId, kind.label);
  if (!known) return [];
  return ids.filter((id) => !known.has(id)).map((id) => issue(id, `${kind.label} has no field "${id}" in this account: create it there first`));
}

async function listed(list: ListDestinationFields, connectionId: string, label: string): Promise<Set<string> | undefined> {
  try {
    const fields = await list(connectionId);
    return fields && new Set(fields.map((f) => f.id));
  } catch (err) {
    if (!(err instanceof DestinationError)) throw err;
    const status = err.status ? ` (HTTP ${err.status})` : ` (${err.kind})`;
    throw new ApiError(502, 'destination_unavailable', `Could not read the account's fields from ${label}${status}`);
  }
}
