import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { AlertInput } from '../activities';
import { deliverRunAlert } from '../workflows';

/**
 * Starts the alert of a run the reconciler closed. Its workflow id is the run's and the event's,
 * never reused, so Temporal itself refuses a second one: two API processes reconciling the same run,
 * or a sweep retrying one that stayed open, raise it once.
 */
export async function startReconciledAlert(client: Client, taskQueue: string, input: AlertInput): Promise<void> {
  try {
    await client.workflow.start(deliverRunAlert, {
      taskQueue,
      workflowId: `alert-${input.runId}-${input.event}`,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
