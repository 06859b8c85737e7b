import { z } from 'zod';

/**
 * Wire format of Ortto's person API (see shared/reference/ortto-api.md and autopilot-api.md §7).
 * The simulator imports it too, so client and simulator cannot drift apart silently.
 */

/** Ortto's regions: a key works only on its own region's host. */
export const ORTTO_REGIONS = ['default', 'eu', 'au'] as const;
export type OrttoRegion = (typeof ORTTO_REGIONS)[number];

export const ORTTO_BASE_URLS: Record<OrttoRegion, string> = {
  default: 'https://api.ap3api.com',
  eu: 'https://api.eu.ap3api.com',
  au: 'https://api.au.ap3api.com',
};

/** People per `POST /v1/person/merge`, at most. */
export const MAX_PEOPLE_PER_MERGE = 100;

/** Requests per second of a Professional plan; Business and Enterprise allow 30 (a connection's setting). */
export const ORTTO_REQUESTS_PER_SECOND = 10;

/** Limits of a string field and of a text field, in characters (Unicode code points). */
export const MAX_STRING_LENGTH = 255;
export const MAX_TEXT_LENGTH = 4_000;

export const EMAIL_FIELD = 'str::email';

export const MERGE_PATH = '/v1/person/merge';
export const LIST_CUSTOM_FIELDS_PATH = '/v1/person/custom-field/get';
export const CREATE_CUSTOM_FIELD_PATH = '/v1/person/custom-field/create';

/** One person of a merge: field id → value, the tags to add and to take off. */
export const MergePersonSchema = z.object({
  fields: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()).optional(),
  unset_tags: z.array(z.string()).optional(),
  clear_fields: z.array(z.string()).optional(),
});
export type MergePerson = z.infer<typeof MergePersonSchema>;

export const MergeRequestSchema = z.object({
  people: z.array(MergePersonSchema),
  merge_by: z.array(z.string()).max(3).optional(),
  merge_strategy: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
  find_strategy: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  async: z.boolean().optional(),
  skip_non_existing: z.boolean().optional(),
});
export type MergeRequest = z.infer<typeof MergeRequestSchema>;

/** What became of one person: `created` and `merged` carry an id; `suppressed` and `invalid` an error. */
export const PersonResultSchema = z.looseObject({
  person_id: z.string().optional(),
  status: z.string(),
  error: z.string().optional(),
});
export type PersonResult = z.infer<typeof PersonResultSchema>;

/** `200 {"people": [...]}`, one entry per person sent, in order. */
export const MergeResponseSchema = z.looseObject({ people: z.array(PersonResultSchema) });

/** `400` when nobody in the request is valid: the reasons per person in `details`. */
export const NoValidContactsSchema = z.looseObject({
  code: z.number().optional(),
  error: z.string(),
  details: z.array(z.looseObject({ status: z.string().optional(), error: z.string().optional() })).optional(),
});

/** Ortto's error bodies: a string `error`, or `{error: {code, message, try-in-seconds}}` on a 429. */
export const ErrorBodySchema = z.looseObject({
  error: z
    .union([
      z.string(),
      z.looseObject({ code: z.string().optional(), message: z.string().optional(), 'try-in-seconds': z.number().optional() }),
    ])
    .optional(),
  message: z.string().optional(),
});

/** A custom field as `POST /v1/person/custom-field/get` lists it. */
export const CustomFieldSchema = z.looseObject({
  field: z.looseObject({ id: z.string(), name: z.string(), display_type: z.string() }),
});
export const CustomFieldsResponseSchema = z.looseObject({ fields: z.array(CustomFieldSchema) });

/** `POST /v1/person/custom-field/create` `{name, type}`; 423 when it exists. */
export const CreateCustomFieldRequestSchema = z.object({ name: z.string().min(1), type: z.string().min(1) });
export const CreateCustomFieldResponseSchema = z.looseObject({ name: z.string(), field_id: z.string(), display_type: z.string() });
