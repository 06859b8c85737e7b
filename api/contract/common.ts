import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { Role } from '../../store/tokens';
import { requireRole } from '../auth';

/** Building blocks shared by the route contracts: the error envelope, ids, and secured routes. */

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_request' }),
      message: z.string().openapi({ example: 'mapping.email: no profile has the attribute "Mail"' }),
      details: z.record(z.string(), z.unknown()).optional().openapi({
        description: 'For invalid input: `issues`, each with `in` (body, query, path), `path`, `code` and `message`.',
      }),
    }),
  })
  .openapi('Error');

const ERROR_DESCRIPTIONS = {
  400: 'Invalid input; `details.issues` says where',
  401: 'Missing, unknown, revoked or expired bearer token',
  403: 'The caller\'s role may not do this',
  404: 'No such resource (or not visible to the caller)',
  409: 'Conflicts with the current state',
  410: 'Gone: deleted under the retention policy',
  413: 'Request body too large',
  415: 'Unsupported content type',
  422: 'Autopilot refused the API key',
  429: 'Too many failed authentication attempts from this address or with this token: this failure is refused; try again after `Retry-After` seconds (a valid token is never refused)',
  502: 'Autopilot could not be reached or did not answer, or the server at the base URL is not Autopilot (`wrong_service`)',
  503: 'A dependency (the store, Temporal or the run\'s workers) does not answer now; try again after Retry-After',
} as const;
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

export function errors<S extends ErrorStatus>(...statuses: S[]) {
  const entries = statuses.map((s) => [s, { description: ERROR_DESCRIPTIONS[s], content: { 'application/json': { schema: ErrorSchema } } }]);
  return Object.fromEntries(entries) as Record<S, { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }>;
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

/** Ids in paths: capped like every other string, so an absurd id is a 400, not a query. */
export const idParam = (name: string) =>
  z.string().min(1).max(200).openapi({ param: { name, in: 'path' }, example: '2f6c1a8e-5d0b-4c49-9a57-0d7f6f1d1c3e' });

export const IdParams = z.object({ id: idParam('id') });

export const DisplayName = z.string().trim().min(1).max(200);
export const Timestamp = z.string().openapi({ format: 'date-time', example: '2025-01-31T09:30:00.000Z' });

export const BEARER_SCHEME = 'bearerAuth';

/**
 * OpenAPI links from an answer to the operations that take the id it carries (`$response.body#/<field>`
 * as their `param`): clients, and schemathesis's stateful phase, follow them to real objects.
 */
export function linksTo(field: string, param: string, operationIds: string[]) {
  return Object.fromEntries(operationIds.map((operationId) => [operationId, { operationId, parameters: { [param]: `$response.body#/${field}` } }]));
}

/**
 * A route behind a bearer token: the role check runs before any validation (so an anonymous
 * caller learns nothing from a 400), and the OpenAPI document says who may call it.
 */
export function secured<R extends Omit<RouteConfig, 'middleware' | 'security' | 'path'> & { path: string }>(
  role: Role | 'any',
  config: R,
) {
  const who = role === 'admin' ? 'Admins only.' : 'Any authenticated user (admin or contributor).';
  return createRoute({
    ...config,
    description: config.description ? `${config.description}\n\n${who}` : who,
    middleware: requireRole(role),
    security: [{ [BEARER_SCHEME]: [] }],
    responses: { ...errors(401, 403, 429, 503), ...config.responses },
  });
}
