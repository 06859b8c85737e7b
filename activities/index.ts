/**
 * The engine's activities in groups, one per task queue: the store work on the main queue (beside
 * the workflows), the metered destination calls on their own, alert deliveries on theirs. Each
 * group is registered only on its own worker, and the workflows proxy each with its own type.
 */
export { createDestinationActivities, type DestinationActivities, type DestinationActivityDeps } from './destination';
export type { BatchResult, ExportBatchInput } from './export-batches';
export { createStoreActivities, type StoreActivities, type StoreActivityDeps } from './store';
export { createSourceActivities, SOURCE_PAGE_SIZE, type ReadSourcePageInput, type ReadSourcePageResult, type SourceActivities, type SourceActivityDeps } from './source';
export { createRetentionActivities, type RetentionActivities } from './retention';
export { ALERT_DELIVERY_DEADLINE_MS, createAlertActivities, type AlertActivities, type AlertInput, type AlertMessage } from './alerts';
export { alertSignatureHeaders, SIGNATURE_HEADER, signAlert, signStandardWebhook, TIMESTAMP_HEADER, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from './alert-signature';
