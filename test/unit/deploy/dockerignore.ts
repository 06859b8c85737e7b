import { readdirSync } from 'node:fs';
import path from 'node:path';

interface Rule {
  include: boolean;
  pattern: RegExp;
}

/** A pattern as Docker reads it: `*` and `?` within one path segment, `**` across any number. */
function toRegExp(pattern: string): RegExp {
  const clean = pattern.replace(/^\/+|\/+$/g, '');
  let source = '';
  for (let i = 0; i < clean.length; i++) {
    const ch = clean[i];
    if (clean.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (clean.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Whether Docker leaves `file` out of the build context: the last rule that matches the file or
 * one of its folders decides (`!` takes it back in), as in Docker's own matcher.
 */
export function dockerIgnores(dockerignore: string): (file: string) => boolean {
  const rules: Rule[] = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => ({ include: line.startsWith('!'), pattern: toRegExp(line.replace(/^!/, '')) }));
  return (file) => {
    const parts = file.split('/');
    const selfAndFolders = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) if (selfAndFolders.some((p) => rule.pattern.test(p))) ignored = !rule.include;
    return ignored;
  };
}

/** The files Docker would send from `root`: folders left out with nothing taken back in under them are not walked. */
export function sentFiles(root: string, dockerignore: string): string[] {
  const ignored = dockerIgnores(dockerignore);
  const takenBack = dockerignore.split('\n').filter((line) => line.trim().startsWith('!')).map((line) => line.trim().slice(1));
  const walk = (dir: string): string[] =>
    readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const file = dir ? `${dir}/${entry.name}` : entry.name;
      if (!entry.isDirectory()) return ignored(file) ? [] : [file];
      const mayHoldSent = !ignored(file) || takenBack.some((pattern) => pattern.startsWith(`${file}/`));
      return mayHoldSent ? walk(file) : [];
    });
  return walk('');
}
