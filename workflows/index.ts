export { runExport } from './run-export';
export type { RunExportInput, RunOptions, RunPlanned, RunResult } from './run-export';
export { approveRemovalsUpdate, BLOCKED_ON_KEY, NEEDS_APPROVAL, needsApprovalPhase, pauseUpdate, progressQuery, resumeUpdate } from './steering';
export type { PauseState, RemovalGateList, RunPhase, RunProgress } from './steering';
export { scheduledExport } from './scheduled-export';
export type { ScheduledExportInput, ScheduledExportResult } from './scheduled-export';
export { runDetailsRetention } from './retention';
export type { RetentionTotals } from './retention';
export { deliverRunAlert } from './alert';
