import path from 'node:path';
import type { Page } from 'playwright-core';
import { paths, SIGN_IN } from '../console/paths';
import { launchChromium } from './chromium';
import { api, OUT_DIR, photographDemoStack, waitForBatches } from './screenshot-stack';
import type { Stack } from './start';

const VIEWPORT = { width: 1280, height: 900 };
/** Lists are photographed whole from a short window, so the picture ends where the page does; the form from a narrow one. */
const LIST_VIEWPORT = { width: 1280, height: 360 };
const FORM_VIEWPORT = { width: 800, height: 600 };
/** A schedule for the demo export, so the pictures show its next run and the form its next times. */
const SCHEDULE = { cron: '0 6 * * MON-FRI', timezone: 'Europe/Amsterdam' };

/**
 * `npm run screenshot-console`: the pictures of the console in docs/console.md and the README.
 * Signs in to a throwaway stack with the admin token it prints, starts the demo export from the
 * console and photographs the connections, the exports, the export's form and the run's page while
 * it is going, then cancels the run.
 */
photographDemoStack((stack, chromiumPath) => photograph(chromiumPath, stack));

async function photograph(chromiumPath: string, stack: Stack): Promise<void> {
  const exportId = stack.demoExportId as string;
  const chromium = await launchChromium(chromiumPath, VIEWPORT);
  const shot = async (page: Page, name: string, viewport?: { width: number; height: number }) => {
    if (viewport) await page.setViewportSize(viewport);
    await page.screenshot({ path: path.join(OUT_DIR, `console-${name}.png`), fullPage: viewport !== undefined });
    await page.setViewportSize(VIEWPORT);
  };
  try {
    const page = await chromium.context.newPage();
    const go = (route: string) => page.goto(stack.apiUrl + route);

    await go(SIGN_IN);
    await page.getByLabel('API token').fill(stack.newAdminToken as string);
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
    await waitForBatches(stack, runId);
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
