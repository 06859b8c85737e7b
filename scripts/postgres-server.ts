import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './temporal-server';

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  /** `postgres://…` for a database on it. */
  url(database: string): string;
  createDatabase(name: string): void;
  /** Its data folder (`dir/data`) and log (`dir/postgresql.log`). */
  dir: string;
  /** Process id of the postmaster (for CPU figures). */
  pid(): number | undefined;
  /** Shuts it down (fast: open sessions are ended), keeping its data, as a restart would. */
  halt(): Promise<void>;
  /** Starts it again after {@link halt}, on the same port. */
  resume(): Promise<void>;
  /** Stops it at once (`immediate`), keeping its data. */
  stop(): Promise<void>;
}

/**
 * A PostgreSQL server on loopback in `dir`, from Debian's `postgresql` package (the tests' and
 * `npm run cluster`'s): trust authentication for its superuser `postgres`, no fsync (state is
 * throwaway). As root it runs as the `postgres` user, since PostgreSQL refuses root.
 */
export async function startPostgres(dir: string, options: { port?: number } = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  mkdirSync(dir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) => {
    const exe = path.join(bin, cmd);
    return asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', exe, ...args], { stdio: 'pipe' }) : execFileSync(exe, args, { stdio: 'pipe' });
  };
  const data = path.join(dir, 'data');
  if (!existsSync(path.join(data, 'PG_VERSION'))) run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = options.port ?? (await freePort());
  // max_connections: Temporal's pools (persistence 20, visibility 2, per service) and the engine's.
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const start = () => void run('pg_ctl', ['-D', data, '-o', settings, '-l', path.join(dir, 'postgresql.log'), '-w', 'start']);
  start();
  const psql = (sql: string) => run('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qAtc', sql]);
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    dir,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    createDatabase(name) {
      const exists = psql(`SELECT 1 FROM pg_database WHERE datname = '${name.replace(/'/g, "''")}'`).toString().trim();
      if (!exists) psql(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    },
    pid() {
      try {
        const first = execFileSync('head', ['-1', path.join(data, 'postmaster.pid')], { encoding: 'utf8' }).trim();
        return Number(first) || undefined;
      } catch {
        return undefined;
      }
    },
    halt: async () => void run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    resume: async () => start(),
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        /* already stopped */
      }
    },
  };
}

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => path.join(root, v, 'bin')).find((d) => existsSync(path.join(d, 'initdb')));
  if (!found) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql: apt-get install postgresql');
  return found;
}
