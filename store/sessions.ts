import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db';
import type { SecretBox } from './secret-box';
import type { Role } from './tokens';

/** A signed-in console user: the API token the session stands for, and what the console shows them. */
export interface ConsoleSession {
  token: string;
  role: Role;
  /** Sent back in a hidden field of every form; a post without it is refused. */
  csrfToken: string;
  expiresAt: Date;
}

/** 32 random bytes, base64url: the cookie's value, and only its hash is stored. */
const newSecret = () => randomBytes(32).toString('base64url');
const hashOf = (sessionId: string) => createHash('sha256').update(sessionId, 'utf8').digest('hex');

/**
 * Console sessions in the shared store, so every API process knows them. The id is stored only
 * as a SHA-256 hash (a leaked table signs nobody in); the API token is sealed under SECRETS_KEY,
 * bound to its row. Sessions that failed to open (the key was rotated) count as signed out.
 */
export function createSessionStore(db: Db, box: SecretBox) {
  const sealFor = (idHash: string, token: string) => box.seal(token, `console_session:${idHash}`);

  return {
    /** Returns the new session's id: the cookie's value, which exists nowhere else. */
    async create(s: { token: string; role: Role; expiresAt: Date }): Promise<{ sessionId: string; csrfToken: string }> {
      const sessionId = newSecret();
      const idHash = hashOf(sessionId);
      const csrfToken = newSecret();
      await db.query('INSERT INTO console_sessions (id_hash, sealed_token, role, csrf_token, expires_at) VALUES ($1, $2, $3, $4, $5)', [
        idHash,
        sealFor(idHash, s.token),
        s.role,
        csrfToken,
        s.expiresAt,
      ]);
      return { sessionId, csrfToken };
    },

    /** The live session with this id, or undefined (unknown, expired, or sealed under another key). */
    async find(sessionId: string): Promise<ConsoleSession | undefined> {
      const idHash = hashOf(sessionId);
      const rows = await db.query<{ sealed: string; role: Role; csrfToken: string; expiresAt: Date }>(
        `SELECT sealed_token AS sealed, role, csrf_token AS "csrfToken", expires_at AS "expiresAt"
           FROM console_sessions WHERE id_hash = $1 AND expires_at > now()`,
        [idHash],
      );
      const row = rows[0];
      if (!row) return undefined;
      try {
        return { token: box.open(row.sealed, `console_session:${idHash}`), role: row.role, csrfToken: row.csrfToken, expiresAt: new Date(row.expiresAt) };
      } catch {
        return undefined;
      }
    },

    async remove(sessionId: string): Promise<void> {
      await db.query('DELETE FROM console_sessions WHERE id_hash = $1', [hashOf(sessionId)]);
    },

    /** Expired sessions are useless; deleting them on each sign-in keeps the table small without a sweeper. */
    async removeExpired(): Promise<void> {
      await db.query('DELETE FROM console_sessions WHERE expires_at <= now()');
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
