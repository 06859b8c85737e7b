import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium, installed with apt-get when missing and running as root. Playwright's own
 * browser download is not used: the package is all that is needed.
 */
export function ensureChromium(): string {
  const wanted = process.env.CHROMIUM_PATH ?? DEBIAN_CHROMIUM;
  if (existsSync(wanted)) return wanted;
  if (process.getuid?.() !== 0) {
    throw new Error(`Chromium not found at ${wanted}: install Debian's package (sudo apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  console.log("Installing Debian's chromium package …");
  const apt = (...args: string[]) => execFileSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  apt('update', '-qq');
  apt('install', '-y', '-qq', 'chromium');
  return wanted;
}

export interface HeadlessBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless, in a fresh profile, and quiet: no update checks, sync or other background traffic. */
export async function launchChromium(executablePath: string, viewport: { width: number; height: number }): Promise<HeadlessBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'segment-export-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
