export { BLOCKED_ON_KEY, exportRun, progressQuery } from './export-run';
export type { ExportRunInput, ExportRunOptions, ExportRunResult, RunProgress, RunState, RunPhase } from './export-run';
export { scheduledExport } from './scheduled-export';
export type { ScheduledExportInput, ScheduledExportResult } from './scheduled-export';
