import { ActivityCancellationType, proxyActivities, workflowInfo } from '@temporalio/workflow';
// Only the types: the activities themselves run outside the sandbox.
import type { DestinationActivities, StoreActivities } from '../../activities';
import { destinationTaskQueue } from '../../domain/ids';

/** The run's records in the store, on the workflow's own queue. */
export const store = proxyActivities<StoreActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  scheduleToCloseTimeout: '30 minutes',
});

/**
 * Calls to the destination, on the queue beside the workflow's where the destination workers
 * poll, with a summary for the UI. A cancelled run closes only once its batches in flight have
 * stopped, so its counts are final and nothing reaches the destination afterwards.
 */
export function destination(summary?: string) {
  return proxyActivities<DestinationActivities>({
    taskQueue: destinationTaskQueue(workflowInfo().taskQueue),
    // A killed worker stops heartbeating: its batches are retried after 5 s, however long they may take.
    heartbeatTimeout: '5 seconds',
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
    scheduleToCloseTimeout: '1 hour',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary,
  });
}
