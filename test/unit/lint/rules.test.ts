import path from 'node:path';
import { ESLint } from 'eslint';

/** The project's own lint config, on fixtures that break its rules on purpose. */
const ROOT = path.resolve(__dirname, '../../..');
const FIXTURES = 'test/fixtures/lint';

let results: ESLint.LintResult[];

beforeAll(async () => {
  // ignore: false lints what the config keeps out of `npm run lint`.
  results = await new ESLint({ cwd: ROOT, ignore: false }).lintFiles([`${FIXTURES}/*.ts`]);
});

const rulesBroken = (file: string) => results.find((r) => r.filePath === path.join(ROOT, FIXTURES, file))?.messages.map((m) => m.ruleId ?? m.message);

test('a promise nobody awaits fails the lint', () => {
  expect(rulesBroken('floating.ts')).toEqual(['@typescript-eslint/no-floating-promises']);
});

test('two modules that import each other fail the lint', () => {
  expect(rulesBroken('cycle-a.ts')).toEqual(['import-x/no-cycle']);
  expect(rulesBroken('cycle-b.ts')).toEqual(['import-x/no-cycle']);
});

test('npm run lint leaves the fixtures alone', async () => {
  expect(await new ESLint({ cwd: ROOT }).isPathIgnored(path.join(ROOT, FIXTURES, 'floating.ts'))).toBe(true);
});
