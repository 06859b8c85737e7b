import { ParentClosePolicy, proxyActivities, startChild, uuid4 } from '@temporalio/workflow';
// Only the types: the activities themselves run outside the sandbox.
import type { AlertActivities, AlertInput } from '../activities';
import type { AlertEvent, ExportSettings } from '../domain/export';

const { deliverAlert } = proxyActivities<AlertActivities>({
  startToCloseTimeout: '30 seconds',
  // A receiver that is down is tried again for about an hour, then the alert is given up.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 10 },
});

/** Delivers one alert, on its own: whatever becomes of it, the run it is about is not held or failed. */
export async function deliverRunAlert(input: AlertInput): Promise<void> {
  await deliverAlert(input);
}

/**
 * Raises an alert when the export asked for this event: a child workflow, abandoned by the run, so
 * retries never hold it up. Runs started before alerts carry no events and so raise none (their
 * histories replay unchanged).
 */
export async function raiseAlert(settings: ExportSettings, runId: string, event: AlertEvent): Promise<void> {
  if (!settings.alertEvents?.includes(event)) return;
  try {
    await startChild(deliverRunAlert, {
      workflowId: `alert-${runId}-${event}-${uuid4()}`,
      args: [{ exportId: settings.exportId, runId, event }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch {
    // Starting it failed (the server refused the child): the run goes on regardless.
  }
}
