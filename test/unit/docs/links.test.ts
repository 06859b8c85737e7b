import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The README and docs/ as a fresh clone reads them: every relative link leads to a file that is
 * there and, for a heading, to a heading that is there (GitHub's anchors); every `npm run` names a
 * script of package.json; every repository path quoted in backticks exists.
 */
const root = path.resolve(__dirname, '../../..');

function documents(): string[] {
  const docs = readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs.sort()];
}

/** The text outside fenced code blocks, line by line (blank where a fence hides it), so line numbers stay. */
function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      return '';
    }
    return fence === undefined ? line : '';
  });
}

/** GitHub's anchor for a heading: inline markup dropped, lower case, punctuation gone, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a document offers: its headings' (repeats numbered as GitHub does) and explicit ids. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const base = slug(heading);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      found.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) found.add(m[1]);
  }
  return found;
}

interface Link {
  line: number;
  target: string;
}

/** Inline links and images, and reference definitions, outside code (fenced blocks and `spans`). */
function links(markdown: string): Link[] {
  const found: Link[] = [];
  proseLines(markdown).forEach((text, i) => {
    const line = text.replace(/`[^`]*`/g, '');
    for (const m of line.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push({ line: i + 1, target: m[1] });
    const ref = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
    if (ref) found.push({ line: i + 1, target: ref[1] });
  });
  return found;
}

const external = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** What is wrong with one document's relative links, as `file:line: target: why`. */
function brokenLinks(doc: string): string[] {
  const text = readFileSync(path.join(root, doc), 'utf8');
  const problems: string[] = [];
  for (const { line, target } of links(text)) {
    if (external(target)) continue;
    const [file, anchor] = target.split('#', 2) as [string, string | undefined];
    const resolved = file === '' ? doc : path.posix.normalize(path.posix.join(path.posix.dirname(doc), decodeURIComponent(file)));
    const where = `${doc}:${line}: ${target}`;
    if (resolved.startsWith('../') || path.isAbsolute(file)) {
      problems.push(`${where}: leads outside the repository`);
      continue;
    }
    const full = path.join(root, resolved);
    if (!existsSync(full)) {
      problems.push(`${where}: no such file`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (!resolved.endsWith('.md') || statSync(full).isDirectory()) {
      problems.push(`${where}: an anchor on a file that is not Markdown`);
      continue;
    }
    if (!anchors(readFileSync(full, 'utf8')).has(decodeURIComponent(anchor))) problems.push(`${where}: no heading with that anchor in ${resolved}`);
  }
  return problems;
}

describe('GitHub anchors', () => {
  it('are made as GitHub makes them', () => {
    expect(slug('Reading from Customer Insights – Data')).toBe('reading-from-customer-insights--data');
    expect(slug('On your own Temporal cluster')).toBe('on-your-own-temporal-cluster');
    expect(slug('The `npm start` stack, step 1: *what* runs')).toBe('the-npm-start-stack-step-1-what-runs');
    expect(slug('2026-12-02/03: the setup, and turns')).toBe('2026-12-0203-the-setup-and-turns');
    expect(slug('TEMPORAL_UI_URL and [links](x.md)')).toBe('temporal_ui_url-and-links');
    expect([...anchors('# A\n## B\n```\n# not a heading\n```\n## B\n<a id="here"></a>\n')]).toEqual(['a', 'b', 'b-1', 'here']);
  });

  it('finds links outside code only', () => {
    const text = 'See [a](a.md#x) and ![pic](p.png "title").\n`[not](this.md)`\n```\n[nor](that.md)\n```\n[ref]: ref.md\n[web](https://example.com)';
    expect(links(text).map((l) => l.target)).toEqual(['a.md#x', 'p.png', 'ref.md', 'https://example.com']);
  });
});

describe('the README and docs/', () => {
  const docs = documents();

  it('include the front door and its topics', () => {
    expect(docs).toEqual(expect.arrayContaining(['README.md', 'docs/operations.md', 'docs/architecture.md', 'docs/console.md']));
  });

  it.each(docs)('%s: every relative link leads to a file and heading that exist', (doc) => {
    expect(brokenLinks(doc)).toEqual([]);
  });

  it.each(docs)('%s: every `npm run` names a script of package.json', (doc) => {
    const scripts = Object.keys((JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const named = [...readFileSync(path.join(root, doc), 'utf8').matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => m[1]);
    expect(named.filter((name) => !scripts.includes(name))).toEqual([]);
  });

  it.each(docs)('%s: every repository path in backticks exists', (doc) => {
    const quoted = [...readFileSync(path.join(root, doc), 'utf8').matchAll(/`([\w.-]+(?:\/[\w.-]+)+\.(?:ts|tsx|mjs|cjs|js|json|ya?ml|toml|md|sh|png))`/g)].map((m) => m[1]);
    expect(quoted.filter((file) => !existsSync(path.join(root, file)))).toEqual([]);
  });
});
