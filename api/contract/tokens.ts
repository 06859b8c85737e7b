import { z } from '@hono/zod-openapi';
import { DisplayName, errors, IdParams, json, jsonBody, secured, Timestamp } from './common';

export const RoleSchema = z.enum(['admin', 'contributor']);

/** The longest a token may live; without an expiry it lives until revoked. */
export const MAX_TOKEN_DAYS = 365;
const DAY_MS = 86_400_000;

export const CreateTokenBody = z
  .strictObject({
    name: DisplayName.openapi({ description: 'The user name runs started with this token are attributed to', example: 'maria' }),
    role: RoleSchema,
    expiresInDays: z
      .number()
      .int()
      .min(1)
      .max(MAX_TOKEN_DAYS)
      .optional()
      .openapi({ description: `Days until the token expires (1–${MAX_TOKEN_DAYS}); or give \`expiresAt\`; neither: until revoked`, example: 90 }),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: `When the token expires: in the future, within ${MAX_TOKEN_DAYS} days`, example: '2026-06-30T00:00:00Z' }),
  })
  .superRefine(checkExpiry)
  .openapi('CreateToken');

function checkExpiry(body: { expiresInDays?: number; expiresAt?: string }, ctx: z.RefinementCtx): void {
  if (body.expiresAt === undefined) return;
  if (body.expiresInDays !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'give expiresInDays or expiresAt, not both' });
    return;
  }
  const inMs = Date.parse(body.expiresAt) - Date.now();
  if (inMs <= 0) ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be in the future' });
  if (inMs > MAX_TOKEN_DAYS * DAY_MS) ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: `must be within ${MAX_TOKEN_DAYS} days` });
}

/** When a token created now with this body expires; undefined: never. */
export function expiryOf(body: { expiresInDays?: number; expiresAt?: string }, now = Date.now()): Date | undefined {
  if (body.expiresInDays !== undefined) return new Date(now + body.expiresInDays * DAY_MS);
  return body.expiresAt === undefined ? undefined : new Date(body.expiresAt);
}

export const TokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: RoleSchema,
    createdBy: z.string(),
    createdAt: Timestamp,
    expiresAt: Timestamp.nullable().openapi({ description: 'When it stops authenticating; null: never (until revoked)' }),
  })
  .openapi('Token');

export const CreatedTokenSchema = TokenSchema.extend({
  token: z.string().openapi({ description: 'The secret, shown this once only; send it as `Authorization: Bearer <token>`' }),
}).openapi('CreatedToken');

export const tokenRoutes = {
  create: secured('admin', {
    operationId: 'createToken',
    method: 'post',
    path: '/tokens',
    tags: ['Tokens'],
    summary: 'Issue a bearer token',
    request: { body: jsonBody(CreateTokenBody) },
    responses: { 201: json(CreatedTokenSchema, 'The token, with its secret shown once'), ...errors(400) },
  }),
  list: secured('admin', {
    operationId: 'listTokens',
    method: 'get',
    path: '/tokens',
    tags: ['Tokens'],
    summary: 'List tokens not revoked, expired ones too (never their secrets)',
    responses: { 200: json(z.object({ tokens: z.array(TokenSchema) }), 'Tokens not revoked') },
  }),
  revoke: secured('admin', {
    operationId: 'revokeToken',
    method: 'delete',
    path: '/tokens/{id}',
    tags: ['Tokens'],
    summary: 'Revoke a token',
    request: { params: IdParams },
    responses: { 204: { description: 'Revoked' }, ...errors(400, 404) },
  }),
};
