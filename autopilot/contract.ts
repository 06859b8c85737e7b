import { z } from 'zod';

/**
 * Wire format of the Autopilot REST API v1 (see shared/reference/autopilot-api.md).
 * Written from Autopilot's documentation and recordings; the simulator imports it too,
 * so client and simulator cannot drift apart silently.
 */

export const DEFAULT_AUTOPILOT_BASE_URL = 'https://api2.autopilothq.com/v1';

/** Autopilot accepts at most this many contacts per `POST /contacts` (spec 4.3). */
export const MAX_CONTACTS_PER_UPSERT = 100;

/** Requests per second Autopilot allows one API key (spec 5.1); a contract may allow more. */
export const AUTOPILOT_REQUESTS_PER_SECOND = 5;

/** Page size of every paged Autopilot listing (spec 4.4). */
export const CONTACTS_PAGE_SIZE = 100;

export type CustomFieldValue = string | number | boolean;

/**
 * A contact in Autopilot's write shape. Standard fields are PascalCase; custom fields go under
 * `custom` with keys `<type>--<Name>` (spaces in the name become `--`).
 */
export interface AutopilotContact {
  Email: string;
  FirstName?: string;
  LastName?: string;
  /** A list_id; Autopilot adds the contact to that list. */
  _autopilot_list?: string;
  custom?: Record<string, CustomFieldValue>;
  [standardField: string]: unknown;
}

const customValue = z.union([z.string(), z.number(), z.boolean()]);

/** One contact as written. Email is optional on the wire since 2015 (spec 3.2). */
export const ContactWriteSchema = z.looseObject({
  contact_id: z.string().optional(),
  Email: z.string().optional(),
  _NewEmail: z.string().optional(),
  _autopilot_list: z.string().optional(),
  custom: z.record(z.string(), customValue).optional(),
});
export type ContactWrite = z.infer<typeof ContactWriteSchema>;

export const UpsertContactRequestSchema = z.object({ contact: ContactWriteSchema });
export const UpsertContactResponseSchema = z.looseObject({ contact_id: z.string() });

export const BulkUpsertRequestSchema = z.object({ contacts: z.array(ContactWriteSchema) });

/** `POST /contacts` 200 body. Both keys are optional here so a caller can react to their absence. */
export const BulkUpsertResponseSchema = z.looseObject({
  contact_ids: z.array(z.string()).optional(),
  email_contact_map: z.record(z.string(), z.string()).optional(),
});
export type BulkUpsertResponse = z.infer<typeof BulkUpsertResponseSchema>;

export const ListSchema = z.looseObject({ list_id: z.string(), title: z.string() });
export const ListsResponseSchema = z.looseObject({ lists: z.array(ListSchema) });
export type ListsResponse = z.infer<typeof ListsResponseSchema>;

export const CreateListRequestSchema = z.object({ name: z.string().min(1) });
export const CreateListResponseSchema = z.looseObject({ list_id: z.string() });

/**
 * `DELETE /list/{list_id}/contact/{id_or_email}` 2xx body: `{}`, `{"not_modified": true}` when the
 * contact was not a member (spec 4.6), or nothing at all (a 204, as other deletes answer).
 */
export const RemoveFromListResponseSchema = z.union([
  z.looseObject({ not_modified: z.boolean().optional() }),
  z.literal(''),
  z.null(),
  z.undefined(),
]);

/**
 * `GET /account` 200 body. The key check relies on it: any server answers `200 {}` to some path, so
 * only an answer naming the account's holder counts as Autopilot's (spec 2, "Validate key").
 */
export const AccountResponseSchema = z.looseObject({
  fullName: z.string(),
  email: z.string().min(1),
});
export type AccountResponse = z.infer<typeof AccountResponseSchema>;

/** Autopilot's error body; some errors come with an empty body instead (spec 5.2). */
export const ErrorBodySchema = z.looseObject({
  error: z.string().optional(),
  message: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** Read-side custom field (`GET /contact/...`), unlike the write-side `custom` map. */
export interface CustomFieldRead {
  kind: string;
  value: CustomFieldValue;
  fieldType: string;
  deleted: boolean;
}

/** A contact as Autopilot returns it; only fields with values are present. */
export interface ContactRead {
  contact_id: string;
  Email?: string;
  lists?: string[];
  custom_fields?: CustomFieldRead[];
  created_at: string;
  updated_at: string;
  api_originated: boolean;
  [field: string]: unknown;
}

/** A page of contacts; `bookmark` is absent on the last page (spec 4.4). */
export interface ContactsPage {
  contacts: ContactRead[];
  total_contacts: number;
  bookmark?: string;
}
