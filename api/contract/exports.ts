import { z } from '@hono/zod-openapi';
import { ALERT_EVENTS, DEFAULT_MAX_REMOVAL_SHARE, MAX_PROFILES_PER_EXPORT, type FieldMapping } from '../../domain/export';
import { cronProblem, timezoneProblem } from '../cron';
import { DisplayName, errors, IdParams, json, jsonBody, secured, Timestamp, linksTo } from './common';

/** Autopilot's standard contact fields (Email, FirstName and LastName have their own mapping keys). */
export const STANDARD_FIELDS = new Set(
  'Salutation Company NumberOfEmployees Title Industry Phone MobilePhone Fax Website MailingStreet MailingCity MailingState MailingPostalCode MailingCountry owner_name LeadSource Status LinkedIn Twitter'.split(
    ' ',
  ),
);
const CUSTOM_FIELD = /^(string|integer|float|date|boolean)--\S/;
/** An Ortto field id (`str::first`, `int:cm:visits`); which ones an account has is checked against it when the export is saved. */
const ORTTO_FIELD = /^[a-z]{3}:(cm)?:[a-z0-9][a-z0-9_-]*$/;

const Attribute = z.string().trim().min(1).max(200).openapi({ description: 'A profile attribute name', example: 'EmailAddress' });
const AutopilotField = z
  .string()
  .max(200)
  .refine((k) => STANDARD_FIELDS.has(k) || CUSTOM_FIELD.test(k) || ORTTO_FIELD.test(k), {
    message:
      'must be a standard Autopilot field (e.g. Company, Phone) or a custom field "<type>--<Name>" with type string, integer, float, date or boolean; for Ortto, a field id (str::language, int:cm:visits)',
  });

export const MappingSchema = z
  .strictObject({
    email: Attribute,
    firstName: Attribute.optional(),
    lastName: Attribute.optional(),
    fields: z
      .record(AutopilotField, Attribute)
      .refine((r) => Object.keys(r).length <= 100, { message: 'at most 100 fields' })
      .optional()
      .openapi({ description: 'Destination field (Autopilot: Company, string--Plan; Ortto: str:cm:plan) → profile attribute', example: { Company: 'Company', 'string--Plan': 'Plan' } }),
  })
  .openapi('FieldMapping') satisfies z.ZodType<FieldMapping>;

const withProblem = (problem: (v: string) => string | undefined) => (value: string, ctx: z.RefinementCtx) => {
  const message = problem(value);
  if (message) ctx.addIssue({ code: 'custom', message });
};

export const ScheduleSchema = z
  .strictObject({
    cron: z.string().trim().min(1).max(100).superRefine(withProblem(cronProblem)).openapi({ example: '0 6 * * MON-FRI' }),
    timezone: z.string().trim().min(1).max(64).superRefine(withProblem(timezoneProblem)).default('UTC').openapi({ example: 'Europe/Amsterdam' }),
  })
  .openapi('Schedule');

const SegmentIds = z
  .array(z.string().trim().min(1).max(200))
  .min(1, { message: 'choose at least one segment' })
  .max(100)
  .refine((ids) => new Set(ids).size === ids.length, { message: 'segments must not repeat' });

const AlertsSchema = z
  .strictObject({
    webhookUrl: z.url({ protocol: /^https?$/ }).max(2000).openapi({ example: 'https://hooks.example.com/segment-export' }),
    events: z
      .array(z.enum(ALERT_EVENTS))
      .min(1)
      .max(ALERT_EVENTS.length)
      .refine((e) => new Set(e).size === e.length, { message: 'events must not repeat' })
      .openapi({ description: '`failed` also covers a run terminated or timed out in Temporal; the message\'s `status` says which' }),
    rotateSecret: z.boolean().optional().openapi({ description: 'A new signing secret (shown once in the answer)' }),
  })
  .openapi('Alerts', {
    description:
      'A JSON POST per event, signed as Standard Webhooks are (`webhook-id`, `webhook-timestamp`, `webhook-signature`). The signing secret is generated when alerts are first set (or rotated) and shown once, as `alertSigningSecret`',
  });

const fields = {
  displayName: DisplayName,
  connectionId: z.string().min(1).max(200),
  segmentIds: SegmentIds,
  mapping: MappingSchema,
  profileLimit: z.int().min(1).max(MAX_PROFILES_PER_EXPORT),
  onLimitExceeded: z.enum(['fail', 'send_first']).openapi({ description: 'Over the limit: fail the run, or send the first profiles (by id)' }),
  mode: z.enum(['incremental', 'full']).openapi({
    description:
      '`incremental`: a run sends only (email, list) pairs that are new, changed, or not exported last time; the rest count as skipped `unchanged`, ' +
      'and a delivery Autopilot refused in 3 runs in a row is parked (skipped `rejected before`) until re-driven. ' +
      'A change of mapping, segments or connection makes the next run full. `full`: every run sends everything.',
  }),
  removeWhenLeaving: z.boolean().openapi({
    description:
      'Mirror mode: memberships this engine delivered are taken off a list once their profile leaves the segment (list membership only; contacts are never deleted). ' +
      'Only admins may turn it on (403 for others); anyone may turn it off',
  }),
  maxRemovalShare: z.number().gt(0).max(1).openapi({
    description:
      'Mirror mode: a run that would remove more than this share of a list\'s delivered members waits for an admin\'s approval (POST /runs/{runId}/approve-removals). ' +
      'Only admins may set it above the default, or above its current value (403 for others)',
    example: DEFAULT_MAX_REMOVAL_SHARE,
  }),
};

export const CreateExportBody = z
  .strictObject({
    ...fields,
    schedule: ScheduleSchema.optional(),
    alerts: AlertsSchema.optional(),
    profileLimit: fields.profileLimit.default(MAX_PROFILES_PER_EXPORT),
    onLimitExceeded: fields.onLimitExceeded.default('fail'),
    mode: fields.mode.default('incremental'),
    removeWhenLeaving: fields.removeWhenLeaving.default(false),
    maxRemovalShare: fields.maxRemovalShare.default(DEFAULT_MAX_REMOVAL_SHARE),
  })
  .openapi('CreateExport');

export const UpdateExportBody = z
  .strictObject({
    displayName: fields.displayName.optional(),
    connectionId: fields.connectionId.optional(),
    segmentIds: fields.segmentIds.optional(),
    mapping: MappingSchema.optional().openapi({ description: 'Replaces the whole mapping' }),
    schedule: ScheduleSchema.nullable().optional().openapi({ description: 'null removes the schedule' }),
    alerts: AlertsSchema.nullable().optional().openapi({ description: 'null stops alerts (and forgets the secret)' }),
    profileLimit: fields.profileLimit.optional(),
    onLimitExceeded: fields.onLimitExceeded.optional(),
    mode: fields.mode.optional(),
    removeWhenLeaving: fields.removeWhenLeaving.optional(),
    maxRemovalShare: fields.maxRemovalShare.optional(),
  })
  .openapi('UpdateExport');

export const ExportSchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    connectionId: z.string().nullable().openapi({ description: 'null once its connection was removed: inactive' }),
    active: z.boolean(),
    segmentIds: z.array(z.string()),
    mapping: MappingSchema,
    schedule: z.object({ cron: z.string(), timezone: z.string() }).nullable(),
    profileLimit: z.int(),
    onLimitExceeded: z.enum(['fail', 'send_first']),
    mode: z.enum(['incremental', 'full']),
    removeWhenLeaving: z.boolean(),
    maxRemovalShare: z.number(),
    alerts: z.object({ webhookUrl: z.string(), events: z.array(z.enum(ALERT_EVENTS)) }).nullable(),
    alertSigningSecret: z.string().optional().openapi({ description: 'Only in the answer that set or rotated it: keep it to verify signatures' }),
    createdBy: z.string(),
    updatedBy: z.string().nullable(),
    scheduleOwner: z.string().nullable().openapi({ description: 'Who scheduled runs are attributed to: whoever last changed the export' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Export');

const tags = ['Exports'];
export const exportRoutes = {
  create: secured('any', {
    operationId: 'createExport',
    method: 'post',
    path: '/exports',
    tags,
    summary: 'Configure an export (saving never starts a run)',
    request: { body: jsonBody(CreateExportBody) },
    responses: {
      201: { ...json(ExportSchema, 'Created'), links: linksTo('id', 'id', ['getExport', 'updateExport', 'startRun', 'listRuns', 'deleteExport']) },
      ...errors(400),
    },
  }),
  list: secured('any', {
    operationId: 'listExports',
    method: 'get',
    path: '/exports',
    tags,
    summary: 'List exports (contributors: those on connections shared with them)',
    responses: { 200: json(z.object({ exports: z.array(ExportSchema) }), 'Exports') },
  }),
  get: secured('any', {
    operationId: 'getExport',
    method: 'get',
    path: '/exports/{id}',
    tags,
    summary: 'One export',
    request: { params: IdParams },
    responses: { 200: json(ExportSchema, 'The export'), ...errors(400, 404) },
  }),
  update: secured('any', {
    operationId: 'updateExport',
    method: 'patch',
    path: '/exports/{id}',
    tags,
    summary: 'Change an export (and its schedule)',
    request: { params: IdParams, body: jsonBody(UpdateExportBody) },
    responses: { 200: json(ExportSchema, 'Updated'), ...errors(400, 404) },
  }),
  remove: secured('any', {
    operationId: 'deleteExport',
    method: 'delete',
    path: '/exports/{id}',
    tags,
    summary: 'Delete an export (cancels its running run, removes its schedule)',
    description: 'Its runs go with it: they answer 404 at once, and the next daily retention pass deletes their summaries and per-profile details.',
    request: { params: IdParams },
    responses: { 204: { description: 'Deleted' }, ...errors(400, 404) },
  }),
};
