import { z } from '@hono/zod-openapi';
import { DisplayName, errors, IdParams, json, jsonBody, secured, Timestamp } from './common';

export const RoleSchema = z.enum(['admin', 'contributor']);

export const CreateTokenBody = z
  .strictObject({
    name: DisplayName.openapi({ description: 'The user name runs started with this token are attributed to', example: 'maria' }),
    role: RoleSchema,
  })
  .openapi('CreateToken');

export const TokenSchema = z
  .object({ id: z.string(), name: z.string(), role: RoleSchema, createdBy: z.string(), createdAt: Timestamp })
  .openapi('Token');

export const CreatedTokenSchema = TokenSchema.extend({
  token: z.string().openapi({ description: 'The secret, shown this once only; send it as `Authorization: Bearer <token>`' }),
}).openapi('CreatedToken');

export const tokenRoutes = {
  create: secured('admin', {
    method: 'post',
    path: '/tokens',
    tags: ['Tokens'],
    summary: 'Issue a bearer token',
    request: { body: jsonBody(CreateTokenBody) },
    responses: { 201: json(CreatedTokenSchema, 'The token, with its secret shown once'), ...errors(400) },
  }),
  list: secured('admin', {
    method: 'get',
    path: '/tokens',
    tags: ['Tokens'],
    summary: 'List active tokens (never their secrets)',
    responses: { 200: json(z.object({ tokens: z.array(TokenSchema) }), 'Active tokens') },
  }),
  revoke: secured('admin', {
    method: 'delete',
    path: '/tokens/{id}',
    tags: ['Tokens'],
    summary: 'Revoke a token',
    request: { params: IdParams },
    responses: { 204: { description: 'Revoked' }, ...errors(400, 404) },
  }),
};
