import { ParentClosePolicy, proxyActivities, startChild, uuid4, workflowInfo } from '@temporalio/workflow';
// Only the types: the activities themselves run outside the sandbox.
import type { AlertActivities, AlertInput } from '../activities';
import type { AlertEvent, ExportSettings } from '../domain/export';
import { alertTaskQueue } from '../domain/ids';

/**
 * A receiver that is down is tried 13 times over about an hour: after 5 s, then doubling (10 s,
 * 20 s … 320 s), then every 10 minutes five times; the 13th attempt starts 60 min 35 s after the
 * first (plus the attempts' own time, 10 s each at most), then the alert is given up. Each attempt
 * ends at the activity's delivery deadline; the start-to-close and heartbeat timeouts are only the
 * backstop for a worker that dies mid-attempt. Only these options changed, not the commands, so
 * running alerts replay unchanged.
 */
const DELIVERY = {
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 13 },
} as const;

/** Delivers one alert, on its own: whatever becomes of it, the run it is about is not held or failed. */
export async function deliverRunAlert(input: AlertInput): Promise<void> {
  // On the alert queue beside this workflow's queue: a slow receiver holds none of the runs' slots.
  const { deliverAlert } = proxyActivities<AlertActivities>({ ...DELIVERY, taskQueue: alertTaskQueue(workflowInfo().taskQueue) });
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
