import { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiToken, TokenStore } from '../../store/tokens';
import type { AppEnv } from '../auth';
import { notFound, validationHook } from '../errors';
import { tokenRoutes } from '../contract/tokens';

const view = (t: ApiToken) => ({ id: t.id, name: t.name, role: t.role, createdBy: t.createdBy, createdAt: t.createdAt.toISOString() });

export function createTokenRoutes(tokens: TokenStore) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(tokenRoutes.create, async (c) => {
      const body = c.req.valid('json');
      const { token, record } = await tokens.create({ ...body, createdBy: c.var.user.name });
      return c.json({ ...view(record), token }, 201, { Location: `/tokens/${record.id}` });
    })
    .openapi(tokenRoutes.list, async (c) => c.json({ tokens: (await tokens.list()).map(view) }, 200))
    .openapi(tokenRoutes.revoke, async (c) => {
      if (!(await tokens.revoke(c.req.valid('param').id))) throw notFound('Token');
      return c.body(null, 204);
    });
}
