export const DEFAULT_TASK_QUEUE = 'segment-export';
/** Activities that call Autopilot run on their own queue so the server can rate-limit them. */
export const DEFAULT_AUTOPILOT_TASK_QUEUE = 'segment-export-autopilot';

/** One workflow id per export: Temporal then refuses a second concurrent run of it. */
export function exportWorkflowId(exportId: string): string {
  return `export-${exportId}`;
}
