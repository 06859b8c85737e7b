/**
 * The one SQL interface the engine uses. Two implementations share the same SQL (store/db.ts):
 * embedded PGlite (in a thread of the process, file-backed or in memory) and a real PostgreSQL server.
 * Apart from them, so that what they run on opening (the migrations) needs no import back.
 */
export interface Db {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * One connection (PGlite): statements never run at the same time, so one statement cannot see
   * another's work half done. Writers that must otherwise take a lock first may skip it (and the
   * round trips of a transaction).
   */
  readonly oneAtATime?: boolean;
}
