import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Runtime } from '@temporalio/worker';
import type { Page } from 'playwright-core';
import type { Logger } from '../api/logger';
import { loadConfig } from '../config/env';
import { paths, SIGN_IN } from '../console/paths';
import { RuntimeLogger } from '../worker/runtime-logger';
import { ensureChromium, launchChromium } from './chromium';
import { startStack, type Stack } from './start';
import { freePort } from './temporal-server';

/** Enough for a run that lasts a minute at the simulator's 5 requests a second, and loads in seconds. */
const DEMO_PROFILES = 60_000;
const BATCHES_BEFORE_SHOT = 5;
const VIEWPORT = { width: 1280, height: 900 };
/** Lists are photographed whole from a short window, so the picture ends where the page does; the form from a narrow one. */
const LIST_VIEWPORT = { width: 1280, height: 360 };
const FORM_VIEWPORT = { width: 800, height: 600 };
/** A schedule for the demo export, so the pictures show its next run and the form its next times. */
const SCHEDULE = { cron: '0 6 * * MON-FRI', timezone: 'Europe/Amsterdam' };
const OUT_DIR = path.resolve('docs');
/** The API's request lines say nothing here; its warnings and errors still do. */
const QUIET: Logger = { info: () => undefined, warn: console.warn, error: console.error };

/**
 * `npm run screenshot-console`: the pictures of the console in docs/console.md and the README.
 * Starts the stack as `npm start` does, on free ports and in a throwaway folder, signs in with the
 * admin token it prints, starts the demo export from the console and photographs the connections,
 * the exports, the export's form and the run's page while it is going, then stops everything.
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
    await photograph(chromiumPath, stack);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

async function api<T>(stack: Stack, method: 'GET' | 'POST' | 'PATCH', route: string, body?: unknown): Promise<T> {
  const headers = { Authorization: `Bearer ${stack.newAdminToken}`, 'Content-Type': 'application/json' };
  const res = await fetch(stack.apiUrl + route, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
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
  if (!stack.demoExportId || !stack.newAdminToken) throw new Error('expected a fresh store with the demo export');
  const exportId = stack.demoExportId;
  const chromium = await launchChromium(chromiumPath, VIEWPORT);
  const shot = async (page: Page, name: string, viewport?: { width: number; height: number }) => {
    if (viewport) await page.setViewportSize(viewport);
    await page.screenshot({ path: path.join(OUT_DIR, `console-${name}.png`), fullPage: viewport !== undefined });
    await page.setViewportSize(VIEWPORT);
  };
  try {
    mkdirSync(OUT_DIR, { recursive: true });
    const page = await chromium.context.newPage();
    const go = (route: string) => page.goto(stack.apiUrl + route);

    await go(SIGN_IN);
    await page.getByLabel('API token').fill(stack.newAdminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Exports', level: 1 }).waitFor();

    await api(stack, 'PATCH', `/exports/${exportId}`, { schedule: SCHEDULE });
    await go(paths.connections);
    await shot(page, 'connections', LIST_VIEWPORT);

    await go(paths.exportPage(exportId));
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(/\/console\/runs\//);
    const runId = decodeURIComponent(/\/console\/runs\/([^/?#]+)/.exec(page.url())?.[1] ?? '');
    console.log(`Run ${runId} started`);
    await waitForBatches(stack, runId, BATCHES_BEFORE_SHOT);
    // The page follows the run over server-sent events; let it show a few updates.
    await page.locator('#live').getByText(/ETA|sent/i).first().waitFor();
    await new Promise((r) => setTimeout(r, 2_500));
    await shot(page, 'run');

    await go(paths.exports);
    await shot(page, 'exports', LIST_VIEWPORT);

    await go(`${paths.exportPage(exportId)}/edit`);
    await page.locator('#schedule-preview li').first().waitFor();
    await shot(page, 'export-form', FORM_VIEWPORT);

    await api(stack, 'POST', `/runs/${runId}/cancel`);
    console.log(`Screenshots written to ${path.relative(process.cwd(), OUT_DIR)}/console-*.png`);
  } finally {
    await chromium.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
