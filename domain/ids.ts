export const DEFAULT_TASK_QUEUE = 'segment-export';

/**
 * Activities that call a destination run on a queue of their own, beside the workflows' queue, so
 * the server can meter them. Derived from the workflows' queue so a workflow finds it from its own
 * task queue, with no setting.
 */
export function destinationTaskQueue(taskQueue: string): string {
  return `${taskQueue}-destinations`;
}

/**
 * Alert deliveries run on a queue of their own, beside the workflows' queue, with their own slots:
 * a slow webhook receiver can hold only those, never a slot a run's freeze, reads or batches wait for.
 * Derived from the workflows' queue so a workflow finds it from its own task queue, with no setting.
 */
export function alertTaskQueue(taskQueue: string): string {
  return `${taskQueue}-alerts`;
}

/** One workflow id per export: Temporal then refuses a second concurrent run of it. */
export function exportWorkflowId(exportId: string): string {
  return `export-${exportId}`;
}
