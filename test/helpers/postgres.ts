import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startPostgres as startServer } from '../../scripts/postgres-server';

export interface Postgres {
  url: string;
  /** Shuts the server down (fast: open sessions are ended), keeping its data, as a restart would. */
  halt(): Promise<void>;
  /** Starts it again after {@link halt}. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL server on loopback, for tests where several processes share the store
 * (PGlite belongs to one process). Uses Debian's postgresql package; `.ci/run` installs it.
 */
export async function startPostgres(): Promise<Postgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'segment-export-pg-'));
  const server = await startServer(dir);
  return {
    url: server.url('postgres'),
    halt: () => server.halt(),
    resume: () => server.resume(),
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
