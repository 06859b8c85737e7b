import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Db } from './db';

export type Role = 'admin' | 'contributor';

/** A token as listed: never its secret, which exists only in the answer that created it. */
export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: Date;
  /** Null: never expires. */
  expiresAt: Date | null;
}

/** What a presented secret turns out to be: an expired token is told apart, so that the caller can say so. */
export type Authentication = { status: 'valid'; token: ApiToken } | { status: 'expired' } | { status: 'unknown' };

export const TOKEN_PREFIX = 'ape_';

/** 32 random bytes: enough entropy that a plain SHA-256 is a safe way to store it (no slow KDF needed). */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares a presented token with a configured one without leaking their common prefix through timing. */
export function sameToken(presented: string, expected: string): boolean {
  return timingSafeEqual(Buffer.from(hashToken(presented), 'hex'), Buffer.from(hashToken(expected), 'hex'));
}

const COLUMNS = `id, name, role, created_by AS "createdBy", created_at AS "createdAt", expires_at AS "expiresAt"`;

/** Bearer tokens, stored as SHA-256 hashes; revoked and expired tokens stay (for the record) but no longer authenticate. */
export function createTokenStore(db: Db) {
  return {
    /** Creates a token; the returned `token` is the only copy of the secret. */
    async create(t: { name: string; role: Role; createdBy: string; expiresAt?: Date }): Promise<{ token: string; record: ApiToken }> {
      const token = generateToken();
      const [record] = await db.query<ApiToken>(
        `INSERT INTO api_tokens (id, name, role, token_hash, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [randomUUID(), t.name, t.role, hashToken(token), t.createdBy, t.expiresAt ?? null],
      );
      return { token, record };
    },

    /** Tokens not revoked (expired ones too, with their `expiresAt`), oldest first. */
    async list(): Promise<ApiToken[]> {
      return db.query<ApiToken>(`SELECT ${COLUMNS} FROM api_tokens WHERE revoked_at IS NULL ORDER BY created_at, id`);
    },

    /** Returns false when there is no such active token. */
    async revoke(id: string): Promise<boolean> {
      const rows = await db.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id]);
      return rows.length > 0;
    },

    /** The token this secret belongs to, if it is neither revoked nor expired (by the store's clock). */
    async authenticate(token: string): Promise<Authentication> {
      if (!token.startsWith(TOKEN_PREFIX)) return { status: 'unknown' };
      const [row] = await db.query<ApiToken & { expired: boolean }>(
        `SELECT ${COLUMNS}, coalesce(expires_at <= now(), false) AS expired FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`,
        [hashToken(token)],
      );
      if (!row) return { status: 'unknown' };
      if (row.expired) return { status: 'expired' };
      const { expired: _expired, ...record } = row;
      return { status: 'valid', token: record };
    },
  };
}
export type TokenStore = ReturnType<typeof createTokenStore>;

/**
 * First start only: when no token was ever issued, creates an admin token and returns its secret,
 * for the caller to show once. Returns undefined on every later start. Safe to call from several
 * processes at once: the table lock makes exactly one of them create it.
 */
export async function ensureBootstrapToken(db: Db, name = 'admin'): Promise<string | undefined> {
  return db.transaction(async (tx) => {
    await tx.query('LOCK TABLE api_tokens IN SHARE ROW EXCLUSIVE MODE');
    const [{ n }] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM api_tokens');
    if (n > 0) return undefined;
    const { token } = await createTokenStore(tx).create({ name, role: 'admin', createdBy: 'bootstrap' });
    return token;
  });
}
