import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The Temporal server release the cluster runs: the one docker-compose.yml's `temporalio/server`
 * and `temporalio/admin-tools` images pin (keep the two in step). Compatible with the 1.24 SDK.
 */
export const TEMPORAL_SERVER_VERSION = '1.30.1';

const ROOT = path.join(__dirname, '..', '..');
const MODULE = 'go.temporal.io/server';

export interface TemporalServerInstall {
  version: string;
  dir: string;
  /** `cmd/server`: all four services in one process. */
  server: string;
  /** `cmd/tools/sql`, the Docker image's `temporal-sql-tool`. */
  sqlTool: string;
  /** The module's `schema/postgresql/v12`: `temporal/versioned` and `visibility/versioned`. */
  schemaDir: string;
}

export function installDir(version = TEMPORAL_SERVER_VERSION): string {
  return path.join(process.env.TEMPORAL_SERVER_TOOLS_DIR ?? path.join(ROOT, '.tools'), `temporal-server-${version}`);
}

function layout(dir: string, version: string): TemporalServerInstall {
  return {
    version,
    dir,
    server: path.join(dir, 'temporal-server'),
    sqlTool: path.join(dir, 'temporal-sql-tool'),
    schemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
  };
}

function installed(install: TemporalServerInstall): boolean {
  return [install.server, install.sqlTool, path.join(install.schemaDir, 'temporal', 'versioned'), path.join(install.schemaDir, 'visibility', 'versioned')].every((p) => existsSync(p));
}

/**
 * The pinned Temporal server and its SQL tool in `.tools/temporal-server-<version>/`, built once
 * from the Go module proxy (`go install`, at a lower CPU priority) with the module's PostgreSQL
 * schemas beside them; nothing is done when they are there. The first build takes about 10
 * minutes of a 2-core machine and 3 GB of Go caches; the binaries take about 170 MB.
 */
export function ensureTemporalServer(version = TEMPORAL_SERVER_VERSION, log: (line: string) => void = console.log): TemporalServerInstall {
  const dir = installDir(version);
  const install = layout(dir, version);
  if (installed(install)) return install;

  const go = findGo();
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const started = Date.now();
  log(`Building Temporal server ${version} and its SQL tool from the Go module proxy into ${path.relative(process.cwd(), dir)} (first time only; about 10 min on 2 cores) …`);
  try {
    // nice: others share the machine. -s -w: no symbol tables (a smaller binary, a faster link).
    execFileSync('nice', ['-n', '10', go, 'install', '-ldflags=-s -w', `${MODULE}/cmd/server@v${version}`, `${MODULE}/cmd/tools/sql@v${version}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, GOBIN: partial, GOFLAGS: [process.env.GOFLAGS, '-buildvcs=false'].filter(Boolean).join(' ') },
    });
    renameSync(path.join(partial, 'server'), path.join(partial, 'temporal-server'));
    renameSync(path.join(partial, 'sql'), path.join(partial, 'temporal-sql-tool'));
    // The schemas, from the module `go install` just fetched: kept beside the binaries, so the
    // install does not depend on the Go module cache staying.
    const modcache = execFileSync(go, ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
    const schema = path.join(modcache, `${MODULE}@v${version}`, 'schema', 'postgresql', 'v12');
    const target = path.join(partial, 'schema', 'postgresql', 'v12');
    cpSync(schema, target, { recursive: true });
    makeWritable(path.join(partial, 'schema')); // the module cache is read-only; this copy need not be
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true }); // a half-made one (another process finished first: same content)
    renameSync(partial, dir);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  if (!installed(install)) throw new Error(`Temporal server install in ${dir} is incomplete`);
  log(`Temporal server ${version} built in ${Math.round((Date.now() - started) / 1000)} s.`);
  return install;
}

function findGo(): string {
  for (const candidate of [process.env.GO, 'go', '/usr/local/go/bin/go', '/usr/lib/go/bin/go']) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      /* next */
    }
  }
  throw new Error('The Go toolchain (go 1.25 or later) is needed once to build the Temporal server: https://go.dev/dl/ (or set GO=/path/to/go)');
}

function makeWritable(p: string): void {
  const stat = statSync(p);
  chmodSync(p, stat.mode | 0o200);
  if (stat.isDirectory()) for (const entry of readdirSync(p)) makeWritable(path.join(p, entry));
}

// `tsx scripts/cluster/install.ts`: install only (test:cluster runs it before jest, outside any timeout).
if (require.main === module) {
  try {
    const install = ensureTemporalServer();
    console.log(`Temporal server ${install.version}: ${path.relative(process.cwd(), install.server)}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
