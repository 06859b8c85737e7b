import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { ensureChromium, launchChromium, type HeadlessBrowser } from '../../scripts/chromium';

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface WatchedBrowser {
  browser: HeadlessBrowser;
  page: Page;
  /** Every request the pages made that did not go to the API's origin. */
  offOrigin: string[];
  /** Console errors (a policy violation among them). */
  consoleErrors: string[];
}

/** One headless Chromium for the whole file, watching every request and console error of its pages. */
export async function openConsoleBrowser(origin: string): Promise<WatchedBrowser> {
  const browser = await launchChromium(ensureChromium(), { width: 1280, height: 900 });
  const offOrigin: string[] = [];
  const consoleErrors: string[] = [];
  browser.context.on('request', (r) => {
    if (!r.url().startsWith(`${origin}/`)) offOrigin.push(r.url());
  });
  const page = await browser.context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  return { browser, page, offOrigin, consoleErrors };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's serious and critical findings on the page as it is. Injected through the debugging
 * protocol, which the page's security policy does not govern (the pages load no inline script).
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${page.url()}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
