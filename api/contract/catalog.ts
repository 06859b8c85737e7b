import { createRoute, z } from '@hono/zod-openapi';
import { ErrorSchema, errors, json, secured } from './common';

export const SegmentSchema = z
  .object({
    id: z.string().openapi({ description: 'What exports name in `segmentIds`: the segment, or a Customer Insights segment\'s output name' }),
    name: z.string(),
    profileCount: z.int().nullable().openapi({ description: 'Members; null when the source cannot count them cheaply' }),
  })
  .openapi('Segment');
const SegmentListSchema = z.object({
  segments: z.array(SegmentSchema),
  truncated: z.boolean().optional().openapi({
    description:
      'True when the source stopped looking before the end (Customer Insights – Data: after the first 100,000 membership rows): ' +
      'segments whose members all come later are missing and counts are null. Absent when the list is complete.',
  }),
});
export const ProfileFieldSchema = z
  .object({
    name: z.string(),
    profileCount: z.int().nullable().openapi({ description: 'Profiles that have the attribute; null when the source cannot count them' }),
  })
  .openapi('ProfileField');

/**
 * What GET /segments and /profile-fields answer when the profile source (PROFILE_SOURCE) refuses
 * this deployment; one that is down or throttling is a 503 with Retry-After, as for the store.
 */
const sourceErrors = {
  502: json(ErrorSchema, 'The profile source refused this deployment (credentials, permission, address rules): the message says what to fix'),
};

export const ImportResultSchema = z
  .object({
    imported: z.int().openapi({ description: 'Accepted lines' }),
    rejected: z.int(),
    errors: z.array(z.object({ line: z.int(), message: z.string() })).openapi({ description: 'The first rejected lines, by number' }),
  })
  .openapi('ImportResult');

export const NDJSON = 'application/x-ndjson';

const DependencyStatus = z.enum(['ok', 'unavailable']);
const SearchAttributesHealth = z
  .object({
    status: z.enum(['ok', 'missing', 'unknown']).openapi({ description: '`missing`: runs cannot start until they are added; `unknown`: Temporal could not be asked' }),
    missing: z.array(z.string()).optional(),
    command: z.string().optional().openapi({ description: 'The command that adds the missing ones' }),
  })
  .openapi({ description: "Whether the Temporal namespace has the runs' search attributes (the engine adds them where the server lets it)" });
const HealthSchema = z
  .object({ status: z.enum(['ok', 'unavailable']), store: DependencyStatus, temporal: DependencyStatus, searchAttributes: SearchAttributesHealth.optional() })
  .openapi('Health');

export const catalogRoutes = {
  health: createRoute({
    method: 'get',
    path: '/health',
    tags: ['System'],
    summary: 'Liveness, and whether the store and Temporal answer (no token needed)',
    security: [],
    responses: {
      200: json(HealthSchema, 'Healthy: both dependencies answer'),
      503: json(HealthSchema, 'A dependency does not answer: the API is up, and says which'),
    },
  }),
  segments: secured('any', {
    operationId: 'listSegments',
    method: 'get',
    path: '/segments',
    tags: ['Profiles'],
    summary: 'Segments that can be exported, from the profile source',
    responses: { 200: json(SegmentListSchema, 'Segments'), ...sourceErrors },
  }),
  profileFields: secured('any', {
    operationId: 'listProfileFields',
    method: 'get',
    path: '/profile-fields',
    tags: ['Profiles'],
    summary: 'Profile attributes that can be mapped to Autopilot fields',
    responses: { 200: json(z.object({ fields: z.array(ProfileFieldSchema) }), 'Attributes and how many profiles have them'), ...sourceErrors },
  }),
  importProfiles: secured('admin', {
    operationId: 'importProfiles',
    method: 'post',
    path: '/profiles/import',
    tags: ['Profiles'],
    summary: 'Import profiles (NDJSON, streamed)',
    description:
      'One JSON object per line: `{"id": "...", "segments": ["..."], <attributes>}`. Re-importing an id replaces its ' +
      'attributes and memberships. The body is streamed; lines that are not valid are counted and reported by number.',
    request: {
      body: { required: true, content: { [NDJSON]: { schema: z.string().openapi({ format: 'binary' }) } } },
    },
    responses: { 200: json(ImportResultSchema, 'What was imported'), ...errors(415) },
  }),
};
