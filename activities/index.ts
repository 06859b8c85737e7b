/**
 * The engine's activities in two groups, one per task queue: the store work on the main queue
 * (beside the workflows), the rate-limited Autopilot calls on their own. Each group is registered
 * only on its own worker, and the workflows proxy each with its own type.
 */
export { createAutopilotActivities, type AutopilotActivities, type AutopilotActivityDeps, type BatchResult, type ExportBatchInput } from './autopilot';
export { createStoreActivities, type StoreActivities, type StoreActivityDeps } from './store';
export { createSourceActivities, SOURCE_PAGE_SIZE, type ReadSourcePageInput, type ReadSourcePageResult, type SourceActivities, type SourceActivityDeps } from './source';
export { createRetentionActivities, type RetentionActivities } from './retention';
export { createAlertActivities, SIGNATURE_HEADER, signAlert, TIMESTAMP_HEADER, type AlertActivities, type AlertInput, type AlertMessage } from './alerts';
