import { execFile } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.join(__dirname, '..');
/** Where the compiled processes go: `node dist/api/main.js`, `node dist/worker/main.js`. */
export const DIST = path.join(ROOT, 'dist');
/** The workflow code, bundled from the compiled workflows: TEMPORAL_WORKFLOW_BUNDLE of the workers. */
export const WORKFLOW_BUNDLE = path.join(DIST, 'workflow-bundle.js');

/**
 * `npm run build`: the JavaScript the image and `npm run cluster` run, so no TypeScript loader is
 * needed at run time. tsc compiles the processes' entry points (tsconfig.build.json, incremental:
 * seconds when nothing changed), the files they load beside their code are copied, and the
 * workflow code is bundled once, so a worker starts without webpack.
 */
export async function build(log: (line: string) => void = console.log): Promise<void> {
  const started = Date.now();
  await compile();
  copyAssets();
  await bundle();
  log(`Built ${path.relative(process.cwd(), DIST) || '.'}/ and its workflow bundle in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Loaded here, not at the top: the worker package loads webpack, which reading ASSETS does not need. */
async function bundle(): Promise<void> {
  const [{ DefaultLogger }, { bundleWorkflows }] = await Promise.all([import('@temporalio/worker'), import('./bundle-workflows')]);
  await bundleWorkflows(require.resolve(path.join(DIST, 'workflows')), WORKFLOW_BUNDLE, new DefaultLogger('WARN'));
}

async function compile(): Promise<void> {
  const tsc = require.resolve('typescript/bin/tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    // tsc reports type errors on stdout.
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`tsc failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/**
 * What the compiled code reads beside itself, at the same place in dist/: the console's assets and
 * the store thread's plain JavaScript (test/unit/deploy checks that nothing else is needed).
 */
export const ASSETS = ['console/assets', 'store/pglite-thread-main.mjs'];

function copyAssets(): void {
  for (const asset of ASSETS) cpSync(path.join(ROOT, asset), path.join(DIST, asset), { recursive: true });
}

if (require.main === module) {
  build().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
