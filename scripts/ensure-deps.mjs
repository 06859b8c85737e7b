// Makes node_modules match package-lock.json, installing with `npm ci` when it does not. Every npm
// script runs this first, so a fresh clone needs no `npm install`. Plain JavaScript without
// dependencies, since nothing (not even tsx) may be installed yet. Fast when all is in place: it
// compares the lock file with the record npm keeps of what it installed
// (node_modules/.package-lock.json) and checks each recorded package is still on disk.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lockFile = path.join(root, 'package-lock.json');
const installedFile = path.join(root, 'node_modules', '.package-lock.json');

/** Why node_modules does not match the lock file, or null when it does. */
function mismatch() {
  if (!existsSync(path.join(root, 'node_modules'))) return 'node_modules is missing';
  if (!existsSync(installedFile)) return 'node_modules was not installed by npm from the lock file';
  const wanted = JSON.parse(readFileSync(lockFile, 'utf8')).packages;
  const installed = JSON.parse(readFileSync(installedFile, 'utf8')).packages;
  for (const [location, entry] of Object.entries(wanted)) {
    if (location === '') continue; // the project itself
    const have = installed[location];
    // npm leaves out optional packages of other platforms (esbuild's, swc's, …).
    if (!have) {
      if (entry.optional) continue;
      return `${location} is not installed`;
    }
    if (JSON.stringify(have) !== JSON.stringify(entry)) return `${location} differs from the lock file`;
  }
  for (const location of Object.keys(installed)) {
    if (!(location in wanted)) return `${location} is not in the lock file`;
    if (!existsSync(path.join(root, location))) return `${location} was deleted`;
  }
  return null;
}

/** npm itself when this runs from an npm script, so the same npm installs. */
function npmCommand() {
  const cli = process.env.npm_execpath;
  return cli && /npm-cli\.js$/.test(cli) ? [process.execPath, [cli]] : ['npm', []];
}

const reason = mismatch();
if (reason) {
  console.log(`Installing npm dependencies with npm ci (${reason}) …`);
  const [command, prefix] = npmCommand();
  // --include=dev: the scripts need jest, tsc and the types even when NODE_ENV=production.
  const args = [...prefix, 'ci', '--include=dev', '--no-audit', '--no-fund'];
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`npm ci failed (${result.error?.message ?? `exit ${result.status}`}); fix what it printed above and run the command again`);
    process.exit(1);
  }
  const left = mismatch();
  if (left) {
    console.error(`After npm ci, node_modules still does not match package-lock.json: ${left}`);
    process.exit(1);
  }
}
