import path from 'node:path';
import { exportWorkflowId } from '../domain/ids';
import { launchChromium } from './chromium';
import { DEMO_EXPORT_NAME } from './demo-setup';
import { api, OUT_DIR, photographDemoStack, waitForBatches } from './screenshot-stack';
import type { Stack } from './start';

const VIEWPORT = { width: 1400, height: 1000 };

/**
 * `npm run screenshot-ui`: the pictures of the Temporal UI in the README. Runs the demo export on a
 * throwaway stack, photographs the run's page while it is going (and the list of the export's
 * runs), then cancels it.
 */
photographDemoStack(async (stack: Stack, chromiumPath: string) => {
  const exportId = stack.demoExportId as string;
  const { runId } = await api<{ runId: string }>(stack, 'POST', `/exports/${exportId}/runs`);
  console.log(`Run ${runId} started`);
  await waitForBatches(stack, runId);
  const namespaceUrl = `${stack.temporalUi}/namespaces/default`;
  const chromium = await launchChromium(chromiumPath, VIEWPORT);
  try {
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
  await api(stack, 'POST', `/runs/${runId}/cancel`);
});
