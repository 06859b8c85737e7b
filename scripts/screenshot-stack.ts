import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Runtime } from '@temporalio/worker';
import type { Logger } from '../api/logger';
import { loadConfig } from '../config/env';
import { RuntimeLogger } from '../worker/runtime-logger';
import { ensureChromium } from './chromium';
import { startStack, type Stack } from './start';
import { freePort } from './temporal-server';

/** Enough for a run that lasts a minute at the simulator's 5 requests a second, and loads in seconds. */
const DEMO_PROFILES = 60_000;
/** Batches a run has sent before it is photographed: it shows progress. */
export const BATCHES_BEFORE_SHOT = 5;
/** Where the pictures go: the docs that show them. */
export const OUT_DIR = path.resolve('docs');
/** The API's request lines say nothing here; its warnings and errors still do. */
const QUIET: Logger = { info: () => undefined, warn: console.warn, error: console.error };

/**
 * For the screenshot scripts: starts the stack as `npm start` does, on free ports and in a
 * throwaway folder with the demo export, hands it to `photograph` with Chromium's path, then stops
 * everything. Exits 1 saying why when anything fails.
 */
export function photographDemoStack(photograph: (stack: Stack, chromiumPath: string) => Promise<void>): void {
  withDemoStack(photograph).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

async function withDemoStack(photograph: (stack: Stack, chromiumPath: string) => Promise<void>): Promise<void> {
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
    if (!stack.demoExportId || !stack.newAdminToken) throw new Error('expected a fresh store with the demo export');
    mkdirSync(OUT_DIR, { recursive: true });
    await photograph(stack, chromiumPath);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

/** One call to the stack's API as its admin. */
export async function api<T>(stack: Stack, method: 'GET' | 'POST' | 'PATCH', route: string, body?: unknown): Promise<T> {
  const headers = { Authorization: `Bearer ${stack.newAdminToken}`, 'Content-Type': 'application/json' };
  const res = await fetch(stack.apiUrl + route, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Waits until the run has sent `batches` batches; fails if it ends first. */
export async function waitForBatches(stack: Stack, runId: string, batches = BATCHES_BEFORE_SHOT): Promise<void> {
  for (;;) {
    const run = await api<{ status: string; progress: { batchesDone: number } | null }>(stack, 'GET', `/runs/${runId}`);
    if (run.status !== 'running') throw new Error(`the run ended (${run.status}) before the screenshot`);
    if ((run.progress?.batchesDone ?? 0) >= batches) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}
