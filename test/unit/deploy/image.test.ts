import { readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ASSETS, DIST, WORKFLOW_BUNDLE } from '../../../scripts/build';
import { dockerIgnores, sentFiles } from './dockerignore';
import { filesLoadedBy } from './imports';
import { dockerfile, PINNED, read, root, services, stage } from './files';

/** `node dist/api/main.js` → `api/main.ts`: the source a compiled entry point is built from. */
const sourceOf = (entry: string) => entry.replace(/^dist\/(.*)\.js$/, '$1.ts');
/** What the image's processes start from: the commands of the services built from it. */
const commands = services.flatMap(([name, s]) => (s.build ? [{ name, command: s.command ?? [] }] : []));
const entries = commands.map(({ command }) => command[command.length - 1]);
/** Key rotation runs in the image too (docs/operations.md). */
const RESEAL = 'dist/scripts/reseal-secrets.js';
const buildConfig = ts.parseConfigFileTextToJson('tsconfig.build.json', read('tsconfig.build.json')).config as { compilerOptions: { outDir: string }; files: string[] };
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string> };

/** A TypeScript loader or compiler: what the image must not need at run time. */
const TS_AT_RUN_TIME = /\btsx\b|ts-node|--import|--loader|--require|\.tsx?\b/;

describe('the image', () => {
  it('runs compiled JavaScript: every service built from it, and its default command, start node on dist/', () => {
    expect(commands.map((c) => c.name).sort()).toEqual(['api', 'autopilot-sim', 'worker']);
    for (const { name, command } of commands) expect({ name, command }).toEqual({ name, command: ['node', expect.stringMatching(/^dist\/[\w/-]+\.js$/)] });
    expect(stage('runtime')).toMatch(/^CMD \["node", "dist\/api\/main\.js"\]$/m);
  });

  it('has no TypeScript loader at run time: not in a command, NODE_OPTIONS, the runtime stage or the production dependencies', () => {
    for (const { command } of commands) expect(command.join(' ')).not.toMatch(TS_AT_RUN_TIME);
    for (const [, s] of services) expect(s.environment?.NODE_OPTIONS ?? '').not.toMatch(TS_AT_RUN_TIME);
    const runtimeLines = stage('runtime').split('\n').filter((line) => !line.startsWith('#'));
    expect(runtimeLines.filter((line) => TS_AT_RUN_TIME.test(line))).toEqual([]);
    const loaders = ['tsx', 'ts-node', 'typescript', '@swc/core', '@swc-node/register', 'esbuild-register', 'jiti'];
    expect(Object.keys(packageJson.dependencies).filter((name) => loaders.includes(name))).toEqual([]);
  });

  it('builds with npm run build, as npm run cluster does, and keeps only production dependencies', () => {
    expect(packageJson.scripts.build).toBe('node scripts/ensure-deps.mjs && tsx scripts/build.ts');
    expect(stage('build')).toMatch(/^RUN npm run build\b/m);
    expect(stage('build')).toMatch(/npm prune --omit=dev/);
  });

  it('copies only the build, production dependencies and package.json into the runtime stage: no sources', () => {
    const copies = stage('runtime').split('\n').filter((line) => line.startsWith('COPY'));
    expect(copies).toEqual(['COPY --from=build /app/package.json ./', 'COPY --from=build /app/node_modules ./node_modules', 'COPY --from=build /app/dist ./dist']);
  });

  it('compiles every entry point it runs, the workflows the worker bundles or loads, and the key rotation tool', () => {
    expect(buildConfig.compilerOptions.outDir).toBe('dist');
    expect(path.relative(root, DIST)).toBe('dist');
    expect(buildConfig.files.sort()).toEqual([...entries, RESEAL].map(sourceOf).concat('workflows/index.ts').sort());
  });

  it('loads the workflow bundle the build makes', () => {
    expect(path.relative(root, WORKFLOW_BUNDLE)).toBe('dist/workflow-bundle.js');
    expect(stage('runtime')).toMatch(/TEMPORAL_WORKFLOW_BUNDLE=\/app\/dist\/workflow-bundle\.js/);
  });

  it('copies every other file the compiled folders read beside their code', () => {
    const folders = new Set(filesLoadedBy(root, entries.map(sourceOf)).map((file) => file.split('/')[0]));
    const walk = (dir: string): string[] =>
      readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));
    const assets = [...folders].flatMap(walk).filter((file) => !/\.tsx?$/.test(file));
    expect(assets.filter((file) => !ASSETS.some((a) => file === a || file.startsWith(`${a}/`)))).toEqual([]);
  });

  it('runs as an unprivileged user, on a pinned Node image', () => {
    expect(stage('runtime')).toMatch(/^USER node$/m);
    expect(/^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1]).toMatch(PINNED);
  });
});

describe('the build context', () => {
  const ignored = dockerIgnores(read('.dockerignore'));
  const loaded = filesLoadedBy(root, [...entries, RESEAL].map(sourceOf));
  const buildFiles = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/ensure-deps.mjs', 'scripts/build.ts', 'scripts/bundle-workflows.ts'];

  it('keeps secrets, local state and everything not needed out of it', () => {
    const kept = ['.env', '.env.production', 'api/.env', '.data/secrets.key', '.data/pglite/PG_VERSION', '.git/config',
      'node_modules/zod/package.json', 'dist/api/main.js', 'test/fixtures/compose-spec/compose-spec.json', 'bench/results/run.json', 'docs/x.md',
      'cli/main.ts', 'Dockerfile', 'docker-compose.yml', 'README.md', 'tls/server.pem', 'store/dump.key', 'npm-debug.log'];
    expect(kept.filter((file) => !ignored(file))).toEqual([]);
  });

  it('holds what the build runs: the lock file, the compiler settings, the dependency check, the build and the bundler', () => {
    expect(buildFiles.filter(ignored)).toEqual([]);
    expect(filesLoadedBy(root, ['scripts/build.ts']).filter(ignored)).toEqual([]);
  });

  it('holds every file the API, the workers, the simulator and the key rotation load', () => {
    expect(loaded.length).toBeGreaterThan(100);
    expect(loaded.filter(ignored)).toEqual([]);
  });

  it('holds nothing else', () => {
    const folders = new Set(loaded.map((file) => (file.includes('/') ? file.split('/')[0] : file)));
    const beyond = sentFiles(root, read('.dockerignore')).filter((file) => !folders.has(file.split('/')[0]) || file.startsWith('scripts/'));
    expect(beyond.sort()).toEqual([...buildFiles, 'scripts/reseal-secrets.ts'].sort());
  });
});
