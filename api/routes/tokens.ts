import { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiToken, TokenStore } from '../../store/tokens';
import type { AppEnv } from '../auth';
import { notFound, validationHook } from '../errors';
import { expiryOf, tokenRoutes } from '../contract/tokens';

const view = (t: ApiToken) => ({
  id: t.id,
  name: t.name,
  role: t.role,
  createdBy: t.createdBy,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt?.toISOString() ?? null,
});

export function createTokenRoutes(tokens: TokenStore) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(tokenRoutes.create, async (c) => {
      const { name, role, ...expiry } = c.req.valid('json');
      const { token, record } = await tokens.create({ name, role, createdBy: c.var.user.name, expiresAt: expiryOf(expiry) });
      return c.json({ ...view(record), token }, 201, { Location: `/tokens/${record.id}` });
    })
    .openapi(tokenRoutes.list, async (c) => c.json({ tokens: (await tokens.list()).map(view) }, 200))
    .openapi(tokenRoutes.revoke, async (c) => {
      if (!(await tokens.revoke(c.req.valid('param').id))) throw notFound('Token');
      return c.body(null, 204);
    });
}
