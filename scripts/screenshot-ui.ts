import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Runtime } from '@temporalio/worker';
import type { Logger } from '../api/logger';
import { loadConfig } from '../config/env';
import { exportWorkflowId } from '../domain/ids';
import { RuntimeLogger } from '../worker/runtime-logger';
import { ensureChromium, launchChromium } from './chromium';
import { DEMO_EXPORT_NAME } from './demo-setup';
import { startStack, type Stack } from './start';
import { freePort } from './temporal-server';

/** Enough for a run that lasts a minute at the simulator's 5 requests a second, and loads in seconds. */
const DEMO_PROFILES = 60_000;
const BATCHES_BEFORE_SHOT = 5;
const VIEWPORT = { width: 1400, height: 1000 };
const OUT_DIR = path.resolve('docs');
/** The API's request lines say nothing here; its warnings and errors still do. */
const QUIET: Logger = { info: () => undefined, warn: console.warn, error: console.error };

/**
 * `npm run screenshot-ui`: the pictures of the Temporal UI in the README. Starts the stack as
 * `npm start` does, on free ports and in a throwaway folder, runs the demo export, photographs the
 * run's page while it is going (and the list of the export's runs), then stops everything.
 */
async function main(): Promise<void> {
  const chromiumPath = ensureChromium();
  Runtime.install({ logger: new RuntimeLogger('WARN') });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'segment-export-screenshot-'));
  const stops: (() => Promise<void>)[] = [() => Promise.resolve(rmSync(dataDir, { recursive: true, force: true }))];
  try {
    const ports = { temporal: await freePort(), temporalUi: await freePort(), simulator: await freePort() };
    // Only what the screenshot needs: none of the caller's Temporal, database or Autopilot settings.
    const config = loadConfig({ DATA_DIR: dataDir, PORT: String(await freePort()) });
    const options = { ports, devServer: true, simulator: true, demoProfiles: DEMO_PROFILES, apiLogger: QUIET };
    const stack = await startStack(config, options, stops);
    const runId = await startDemoRun(stack);
    await waitForBatches(stack, runId, BATCHES_BEFORE_SHOT);
    await photograph(chromiumPath, stack);
    await api(stack, 'POST', `/runs/${runId}/cancel`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

async function api<T>(stack: Stack, method: 'GET' | 'POST', route: string): Promise<T> {
  const res = await fetch(stack.apiUrl + route, { method, headers: { Authorization: `Bearer ${stack.newAdminToken}` } });
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function startDemoRun(stack: Stack): Promise<string> {
  if (!stack.demoExportId || !stack.newAdminToken) throw new Error('expected a fresh store with the demo export');
  const { runId } = await api<{ runId: string }>(stack, 'POST', `/exports/${stack.demoExportId}/runs`);
  console.log(`Run ${runId} started`);
  return runId;
}

async function waitForBatches(stack: Stack, runId: string, batches: number): Promise<void> {
  for (;;) {
    const run = await api<{ status: string; progress: { batchesDone: number } | null }>(stack, 'GET', `/runs/${runId}`);
    if (run.status !== 'running') throw new Error(`the run ended (${run.status}) before the screenshot`);
    if ((run.progress?.batchesDone ?? 0) >= batches) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function photograph(chromiumPath: string, stack: Stack): Promise<void> {
  const exportId = stack.demoExportId as string;
  const namespaceUrl = `${stack.temporalUi}/namespaces/default`;
  const chromium = await launchChromium(chromiumPath, VIEWPORT);
  try {
    mkdirSync(OUT_DIR, { recursive: true });
    const page = await chromium.context.newPage();
    await page.goto(`${namespaceUrl}/workflows/${exportWorkflowId(exportId)}`);
    // The summary and static details come with the workflow's start; the current details from a
    // query the UI sends to the worker, so they show the run as it is. Each is rendered in a frame.
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    await page.frameLocator('#user-metadata-summary').getByText(`${DEMO_EXPORT_NAME} →`).waitFor();
    await page.frameLocator('#user-metadata-current-details').getByText(/list memberships sent/).waitFor();
    await page.screenshot({ path: path.join(OUT_DIR, 'temporal-ui-run.png') });

    await page.goto(`${namespaceUrl}/workflows?query=${encodeURIComponent(`ExportId = "${exportId}"`)}`);
    await page.getByText(exportWorkflowId(exportId)).first().waitFor();
    await page.screenshot({ path: path.join(OUT_DIR, 'temporal-ui-runs-of-export.png') });
    console.log(`Screenshots written to ${path.relative(process.cwd(), OUT_DIR)}/`);
  } finally {
    await chromium.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
