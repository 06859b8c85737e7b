import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const EXTENSIONS = ['', '.ts', '.tsx', '.mjs', '.js', '/index.ts', '/index.tsx'];
/** Files named beside an import: `require.resolve('../workflows')`, `path.join(__dirname, 'x.mjs')`. */
const LOADED_BY_PATH = /require\.resolve\('(\.{1,2}\/[^']+)'\)|join\(__dirname, '([^']+\.m?js)'\)/g;

function resolveLocal(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  return EXTENSIONS.map((ext) => base + ext).find((file) => existsSync(file) && statSync(file).isFile());
}

function localSpecifiers(source: string): string[] {
  const imports = ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
  const byPath = [...source.matchAll(LOADED_BY_PATH)].map((m) => m[1] ?? `./${m[2]}`);
  return [...imports, ...byPath].filter((s) => s.startsWith('.'));
}

/** Every file of the project that the entry points load, type-only imports included, relative to root. */
export function filesLoadedBy(root: string, entries: string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!/\.(ts|tsx|mjs|js)$/.test(file)) return;
    for (const specifier of localSpecifiers(readFileSync(file, 'utf8'))) {
      const target = resolveLocal(file, specifier);
      if (target) visit(target);
    }
  };
  for (const entry of entries) visit(path.join(root, entry));
  return [...seen].map((file) => path.relative(root, file)).sort();
}
