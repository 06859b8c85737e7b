import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type Logger } from '@temporalio/worker';

/**
 * The workflow code bundled once, ahead of time, so worker processes (TEMPORAL_WORKFLOW_BUNDLE)
 * start faster and without webpack's memory peak. `npm run build` bundles the compiled workflows.
 */
export async function bundleWorkflows(workflowsPath: string, out: string, logger?: Logger): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger });
  mkdirSync(path.dirname(out), { recursive: true });
  // Renamed into place: a worker starting meanwhile reads the old bundle or the new, never half of one.
  const partial = `${out}.partial-${process.pid}`;
  writeFileSync(partial, code);
  renameSync(partial, out);
}

/** `npm run bundle-workflows [-- out.js]`: the bundle alone, from the TypeScript sources. */
async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
  await bundleWorkflows(require.resolve('../workflows'), out);
  console.log(`workflow bundle written to ${path.relative(process.cwd(), out)}`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
