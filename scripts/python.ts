import { spawnSync } from 'node:child_process';

/** The Python that installs the project's PyPI tools (the Temporal CLI, schemathesis). */
export function findPython(purpose: string): string {
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
  if (!python) throw new Error(`python3 is needed to ${purpose}`);
  return python;
}
