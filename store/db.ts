import { Pool, types } from 'pg';
import { migrate } from './migrations';
import { startPgliteThread } from './pglite-thread';
import type { Db } from './db-interface';

// Where the store's users take it from, with what opens it.
export type { Db };

export interface DbOptions {
  /** `postgres://…` for a real server; otherwise PGlite. */
  url?: string;
  /** PGlite data folder; in memory when absent. */
  dataDir?: string;
}

/** Opens the store and brings its schema up to date. */
export async function openDb(options: DbOptions = {}): Promise<Db> {
  const db = options.url ? postgresDb(options.url) : await pgliteDb(options.dataDir);
  await migrate(db);
  return db;
}

export interface PendingDb {
  /** Usable at once: until the store is ready, every query fails as "cannot connect now" (a 503). */
  db: Db;
  /** Resolves once the store answered and its schema is up to date (or `db` was closed first). */
  ready: Promise<void>;
}

/** PostgreSQL's SQLSTATE cannot_connect_now: what callers already read as "the store is down". */
const CANNOT_CONNECT_NOW = '57P03';

/**
 * Opens the store for a process that must start, and say it is waiting, while the store is down
 * (the API serves /health meanwhile): connecting and migrating are tried again every `retryMs`
 * until they succeed. PGlite is in the process, so it is simply opened.
 */
export function openDbWhenReachable(options: DbOptions, hooks: { retryMs?: number; onRetry?(err: unknown): void } = {}): PendingDb {
  let store: Db | undefined;
  let opening: Db | undefined;
  let closed = false;
  const pending = (): never => {
    throw Object.assign(new Error('The store is not reachable yet'), { code: CANNOT_CONNECT_NOW });
  };
  const db: Db = {
    query: async (sql, params) => (store ?? pending()).query(sql, params),
    exec: async (sql) => (store ?? pending()).exec(sql),
    transaction: async (fn) => (store ?? pending()).transaction(fn),
    close: async () => {
      closed = true;
      await (store ?? opening)?.close();
    },
  };
  const ready = (async () => {
    if (!options.url) {
      store = await openDb(options);
      return;
    }
    opening = postgresDb(options.url);
    while (!closed) {
      try {
        await migrate(opening);
        store = opening;
        return;
      } catch (err) {
        if (closed) return;
        hooks.onRetry?.(err);
        await new Promise((resolve) => setTimeout(resolve, hooks.retryMs ?? 2_000));
      }
    }
  })();
  return { db, ready };
}

async function pgliteDb(dataDir?: string): Promise<Db> {
  const thread = await startPgliteThread(dataDir);
  const wrap = (tx?: number): Db => ({
    query: async <T>(sql: string, params?: unknown[]) => (await thread.call('query', { sql, params, tx })) as T[],
    exec: async (sql) => void (await thread.call('exec', { sql, tx })),
    transaction: async (fn) => {
      const id = thread.newTransactionId();
      await thread.call('begin', { tx: id });
      try {
        const result = await fn(wrap(id));
        await thread.call('commit', { tx: id });
        return result;
      } catch (err) {
        await thread.call('rollback', { tx: id });
        throw err;
      }
    },
    close: async () => void (await thread.call('close')),
    oneAtATime: true,
  });
  return wrap();
}

// int8 (COUNT, SUM) as numbers, as PGlite returns them, so both stores read alike.
const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : types.getTypeParser(oid, format),
};

function postgresDb(url: string): Db {
  // No JIT: the planner cannot see into the freeze's CTEs and overestimates it a hundredfold, enough
  // to compile it (1.5 s of a 4 s freeze of 100,000 profiles) and the run's final counts, for nothing.
  const pool = new Pool({ connectionString: url, types: pgTypes as never, max: 10, options: '-c jit=off' });
  // An idle client whose server restarted emits here; unhandled, it would end the process. The
  // pool drops it and the next query connects again (or fails, and the API answers 503).
  pool.on('error', () => undefined);
  const wrap = (q: Pick<Pool, 'query'>): Db => ({
    query: async <T>(sql: string, params?: unknown[]) => (await q.query(sql, params)).rows as T[],
    exec: async (sql) => void (await q.query(sql)),
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  });
  return wrap(pool);
}
