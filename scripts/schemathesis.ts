import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findPython } from './python';

/** Schemathesis (PyPI) fuzzes the API from its OpenAPI document in the tests; pinned for repeatable builds. */
export const SCHEMATHESIS_VERSION = '4.32.5';
const VENV = path.resolve(__dirname, '..', '.tools', `schemathesis-${SCHEMATHESIS_VERSION}`);
const INSTALLED = path.join(VENV, 'bin', 'st');

/** The project's own `st`, installed into a virtualenv under `.tools/` on first use. */
export function ensureSchemathesis(): string {
  if (existsSync(INSTALLED)) return INSTALLED;
  const python = findPython('install schemathesis for the API fuzz test');
  console.log(`Installing schemathesis==${SCHEMATHESIS_VERSION} into ${VENV} …`);
  execFileSync(python, ['-m', 'venv', VENV], { stdio: 'inherit' });
  const pip = path.join(VENV, 'bin', 'pip');
  execFileSync(pip, ['install', '--quiet', '--disable-pip-version-check', '--only-binary=:all:', `schemathesis==${SCHEMATHESIS_VERSION}`], {
    stdio: 'inherit',
  });
  if (!existsSync(INSTALLED)) throw new Error(`schemathesis installed, but ${INSTALLED} is missing`);
  return INSTALLED;
}

if (require.main === module) {
  try {
    console.log(`schemathesis: ${ensureSchemathesis()}`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
