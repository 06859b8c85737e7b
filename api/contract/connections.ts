import { z } from '@hono/zod-openapi';
import { DESTINATION_TYPES } from '../../destinations/port';
import { ORTTO_REGIONS } from '../../ortto/contract';
import { DisplayName, errors, IdParams, json, jsonBody, secured, Timestamp, linksTo } from './common';

export const PRIVACY_NOTICE =
  'Exporting sends personal data outside this system\'s compliance boundary to Autopilot. You, the customer, are ' +
  'responsible for Autopilot meeting your privacy and security obligations. Set privacyConsent to true to agree.';

const UsableBy = z.enum(['admins', 'admins_and_contributors']).openapi({ description: 'Who may build exports on it' });
// Write-only: accepted in requests, never part of any response.
const ApiKey = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .openapi({ description: "The platform's API key: Autopilot's, or an Ortto Custom API data source's private key (write-only)", writeOnly: true });
const BaseUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .openapi({ description: "The platform's API base URL, if not its default or its region's (e.g. a simulator)" });
const Region = z.enum(ORTTO_REGIONS).openapi({
  description: "Ortto only: the region the key belongs to (default, eu, au); its API host follows from it unless baseUrl is given",
});
// Below 0.1 a turn would be minutes apart (and at 1e-300 the spacing overflows): not a real budget.
const RequestsPerSecond = z.number().min(0.1).max(100).openapi({
  description: 'Requests per second the platform allows this key, shared by all its runs (Autopilot: 5; Ortto: 10 on Professional, 30 on Business)',
});

export const CreateConnectionBody = z
  .strictObject({
    type: z.enum(DESTINATION_TYPES).default('autopilot').openapi({ description: 'The platform the key belongs to' }),
    displayName: DisplayName.openapi({ example: 'Autopilot – newsletter account (EU)' }),
    apiKey: ApiKey,
    usableBy: UsableBy.default('admins'),
    privacyConsent: z.literal(true, { error: PRIVACY_NOTICE }).openapi({ description: PRIVACY_NOTICE }),
    baseUrl: BaseUrl.optional(),
    region: Region.optional(),
    requestsPerSecond: RequestsPerSecond.optional().openapi({ description: "The key's rate budget; the platform's own by default (Autopilot: 5, Ortto: 10)" }),
  })
  .openapi('CreateConnection');

export const UpdateConnectionBody = z
  .strictObject({
    displayName: DisplayName.optional(),
    apiKey: ApiKey.optional(),
    usableBy: UsableBy.optional(),
    baseUrl: BaseUrl.nullable().optional().openapi({ description: "null goes back to the platform's default URL" }),
    region: Region.nullable().optional(),
    requestsPerSecond: RequestsPerSecond.optional(),
  })
  .openapi('UpdateConnection');

export const ConnectionSchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    type: z.enum(DESTINATION_TYPES),
    usableBy: UsableBy,
    baseUrl: z.string().nullable(),
    region: z.string().nullable(),
    requestsPerSecond: z.number(),
    apiKeyLast4: z.string(),
    privacyConsentAt: Timestamp,
    createdBy: z.string(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi('Connection', { description: 'As admins see it' });

export const ConnectionSummarySchema = ConnectionSchema.pick({ id: true, displayName: true, type: true }).openapi('ConnectionSummary', {
  description: 'As contributors see a connection shared with them',
});

const AnyConnection = z.union([ConnectionSchema, ConnectionSummarySchema]);
const DeleteQuery = z.object({
  detach: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: 'Detach the exports using it (they become inactive, their schedules removed) instead of refusing' }),
});

const tags = ['Connections'];
export const connectionRoutes = {
  create: secured('admin', {
    operationId: 'createConnection',
    method: 'post',
    path: '/connections',
    tags,
    summary: 'Add a connection to a destination, Autopilot or Ortto (the key is checked first)',
    request: { body: jsonBody(CreateConnectionBody) },
    responses: {
      201: { ...json(ConnectionSchema, 'Created'), links: linksTo('id', 'id', ['getConnection', 'updateConnection', 'testConnection', 'deleteConnection']) },
      ...errors(400, 422, 502),
    },
  }),
  list: secured('any', {
    operationId: 'listConnections',
    method: 'get',
    path: '/connections',
    tags,
    summary: 'List connections (contributors: only those shared with them, id and name only)',
    responses: { 200: json(z.object({ connections: z.array(AnyConnection) }), 'Connections') },
  }),
  get: secured('any', {
    operationId: 'getConnection',
    method: 'get',
    path: '/connections/{id}',
    tags,
    summary: 'One connection',
    request: { params: IdParams },
    responses: { 200: json(AnyConnection, 'The connection'), ...errors(400, 404) },
  }),
  update: secured('admin', {
    operationId: 'updateConnection',
    method: 'patch',
    path: '/connections/{id}',
    tags,
    summary: 'Change a connection (a new key or URL is checked first)',
    request: { params: IdParams, body: jsonBody(UpdateConnectionBody) },
    responses: { 200: json(ConnectionSchema, 'Updated'), ...errors(400, 404, 422, 502) },
  }),
  test: secured('admin', {
    operationId: 'testConnection',
    method: 'post',
    path: '/connections/{id}/test',
    tags,
    summary: 'Check the stored key against its destination now',
    request: { params: IdParams },
    responses: { 200: json(z.object({ ok: z.literal(true) }), 'The destination accepts the key'), ...errors(400, 404, 422, 502) },
  }),
  remove: secured('admin', {
    operationId: 'deleteConnection',
    method: 'delete',
    path: '/connections/{id}',
    tags,
    summary: 'Remove a connection',
    request: { params: IdParams, query: DeleteQuery },
    responses: { 204: { description: 'Removed' }, ...errors(400, 404, 409) },
  }),
};
