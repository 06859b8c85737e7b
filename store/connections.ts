import { randomUUID } from 'node:crypto';
import { destinationKind, type DestinationType } from '../destinations';
import type { Db } from './db';
import { SecretOpenError, type SecretBox } from './secret-box';

export type UsableBy = 'admins' | 'admins_and_contributors';

export interface Connection {
  id: string;
  displayName: string;
  type: DestinationType;
  usableBy: UsableBy;
  baseUrl: string | null;
  /** Where the platform keeps the key (Ortto: default, eu, au); null for platforms without regions. */
  region: string | null;
  /** The destination's rate budget for this key (Autopilot: 5 unless the customer's contract allows more). */
  requestsPerSecond: number;
  apiKeyLast4: string;
  privacyConsentAt: Date;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewConnection {
  displayName: string;
  /** Autopilot unless said otherwise. */
  type?: DestinationType;
  apiKey: string;
  usableBy: UsableBy;
  baseUrl?: string | null;
  region?: string | null;
  requestsPerSecond?: number;
  createdBy: string;
}

/** What it takes to call a connection's destination. */
export interface ConnectionSecret {
  type: DestinationType;
  apiKey: string;
  baseUrl: string | null;
  region: string | null;
  requestsPerSecond: number;
}

export interface RemoveResult {
  outcome: 'removed' | 'not_found' | 'in_use';
  /** Exports that use (or, once removed with detach, used) the connection. */
  exportIds: string[];
}

const COLUMNS = `id, display_name AS "displayName", type, usable_by AS "usableBy", base_url AS "baseUrl", region,
  requests_per_second AS "requestsPerSecond", api_key_last4 AS "apiKeyLast4", privacy_consent_at AS "privacyConsentAt", created_by AS "createdBy",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * Connections with their API key sealed, bound to the connection's id (a sealed key copied to
 * another row does not open there); the plain key leaves only through {@link readApiKey}.
 */
export function createConnectionStore(db: Db, box: SecretBox) {
  return {
    async create(c: NewConnection): Promise<Connection> {
      const id = randomUUID();
      const type = c.type ?? 'autopilot';
      const [row] = await db.query<Connection>(
        `INSERT INTO connections (id, display_name, type, api_key_secret, api_key_last4, usable_by, base_url, requests_per_second, privacy_consent_at, created_by, region)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9, $10) RETURNING ${COLUMNS}`,
        [id, c.displayName, type, box.seal(c.apiKey, id), c.apiKey.slice(-4), c.usableBy, c.baseUrl ?? null, c.requestsPerSecond ?? destinationKind(type).defaultRequestsPerSecond, c.createdBy, c.region ?? null],
      );
      return row;
    },

    async get(id: string): Promise<Connection | undefined> {
      const [row] = await db.query<Connection>(`SELECT ${COLUMNS} FROM connections WHERE id = $1`, [id]);
      return row;
    },

    async list(): Promise<Connection[]> {
      return db.query<Connection>(`SELECT ${COLUMNS} FROM connections ORDER BY created_at, id`);
    },

    async update(
      id: string,
      patch: { displayName?: string; apiKey?: string; usableBy?: UsableBy; baseUrl?: string | null; region?: string | null; requestsPerSecond?: number },
    ) {
      const [row] = await db.query<Connection>(
        `UPDATE connections SET
           display_name = coalesce($2, display_name),
           api_key_secret = coalesce($3, api_key_secret),
           api_key_last4 = coalesce($4, api_key_last4),
           usable_by = coalesce($5, usable_by),
           base_url = CASE WHEN $6 THEN $7 ELSE base_url END,
           requests_per_second = coalesce($8, requests_per_second),
           region = CASE WHEN $9 THEN $10 ELSE region END,
           updated_at = now()
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [
          id,
          patch.displayName ?? null,
          patch.apiKey === undefined ? null : box.seal(patch.apiKey, id),
          patch.apiKey?.slice(-4) ?? null,
          patch.usableBy ?? null,
          patch.baseUrl !== undefined,
          patch.baseUrl ?? null,
          patch.requestsPerSecond ?? null,
          patch.region !== undefined,
          patch.region ?? null,
        ],
      );
      return row as Connection | undefined;
    },

    async remove(id: string): Promise<boolean> {
      const rows = await db.query('DELETE FROM connections WHERE id = $1 RETURNING id', [id]);
      return rows.length > 0;
    },

    /**
     * Deletes a connection unless exports still use it. With `detach`, those exports keep their
     * settings but lose the connection (configured, but inactive), in the same transaction.
     * Locks the row first, so an export cannot be attached to it meanwhile.
     */
    async removeOrDetach(id: string, detach: boolean): Promise<RemoveResult> {
      return db.transaction(async (tx) => {
        const found = await tx.query('SELECT id FROM connections WHERE id = $1 FOR UPDATE', [id]);
        if (found.length === 0) return { outcome: 'not_found', exportIds: [] };
        const users = await tx.query<{ id: string }>('SELECT id FROM exports WHERE connection_id = $1 ORDER BY created_at, id', [id]);
        const exportIds = users.map((u) => u.id);
        if (exportIds.length > 0 && !detach) return { outcome: 'in_use', exportIds };
        await tx.query('UPDATE exports SET connection_id = NULL, updated_at = now() WHERE connection_id = $1', [id]);
        await tx.query('DELETE FROM connections WHERE id = $1', [id]);
        return { outcome: 'removed', exportIds };
      });
    },

    /**
     * Names one destination account's rate budget without revealing its key: every connection, run
     * and worker process that uses the same key of the same platform at the same address shares it.
     */
    destinationKey(type: DestinationType, apiKey: string, baseUrl: string): string {
      return box.fingerprint(`${type}-destination`, `${baseUrl.replace(/\/+$/, '')}\n${apiKey}`);
    },

    /** The plain key, which platform, where to send it and how fast; only activities and the key check call this. */
    async readApiKey(id: string): Promise<ConnectionSecret | undefined> {
      const [row] = await db.query<Omit<ConnectionSecret, 'apiKey'> & { secret: string }>(
        'SELECT type, api_key_secret AS secret, base_url AS "baseUrl", region, requests_per_second AS "requestsPerSecond" FROM connections WHERE id = $1',
        [id],
      );
      return row && { type: row.type, apiKey: openApiKey(box, row.secret, id), baseUrl: row.baseUrl, region: row.region, requestsPerSecond: row.requestsPerSecond };
    },
  };
}
export type ConnectionStore = ReturnType<typeof createConnectionStore>;

/** Names the connection in the error, so that whoever reads it knows which key to enter again. */
function openApiKey(box: SecretBox, sealed: string, connectionId: string): string {
  try {
    return box.open(sealed, connectionId);
  } catch (err) {
    if (!(err instanceof SecretOpenError)) throw err;
    throw new SecretOpenError(err.reason, `Connection ${connectionId}: its API key does not open: ${err.message}`);
  }
}
