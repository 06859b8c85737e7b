export { AutopilotClient } from './client';
export type { AutopilotAccount, AutopilotClientOptions, AutopilotList, RemoveFromListResult, UpsertContactsResult } from './client';
export {
  AUTOPILOT_REQUESTS_PER_SECOND,
  CONTACTS_PAGE_SIZE,
  DEFAULT_AUTOPILOT_BASE_URL,
  MAX_CONTACTS_PER_UPSERT,
} from './contract';
export type { AutopilotContact, ContactRead, CustomFieldValue } from './contract';
export { AutopilotError, parseRetryAfter, toAutopilotError } from './errors';
export type { AutopilotErrorKind, AutopilotErrorOptions } from './errors';
