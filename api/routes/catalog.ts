import { OpenAPIHono } from '@hono/zod-openapi';
import type { Db } from '../../store/db';
import { importProfiles, listProfileFields, listSegments, readLines } from '../../store/profiles';
import type { AppEnv } from '../auth';
import { catalogRoutes, NDJSON } from '../contract/catalog';
import { ApiError, validationHook } from '../errors';
import type { Logger } from '../logger';

export function createCatalogRoutes(deps: { db: Db; logger: Logger }) {
  const { db } = deps;
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(catalogRoutes.health, async (c) => {
      try {
        await db.query('SELECT 1');
        return c.json({ status: 'ok' as const }, 200);
      } catch {
        return c.json({ status: 'unavailable' as const }, 503);
      }
    })
    .openapi(catalogRoutes.segments, async (c) => c.json({ segments: await listSegments(db) }, 200))
    .openapi(catalogRoutes.profileFields, async (c) => c.json({ fields: await listProfileFields(db) }, 200))
    .openapi(catalogRoutes.importProfiles, async (c) => {
      const type = c.req.header('content-type')?.split(';')[0].trim().toLowerCase();
      if (type !== NDJSON) throw new ApiError(415, 'unsupported_media_type', `Send the profiles as ${NDJSON}, one JSON object per line`);
      const body = c.req.raw.body;
      // Streamed line by line into chunked transactions: memory stays flat whatever the file size.
      const result = body ? await importProfiles(db, readLines(body)) : { imported: 0, rejected: 0, errors: [] };
      deps.logger.info('Profiles imported', { imported: result.imported, rejected: result.rejected, by: c.var.user.name });
      return c.json(result, 200);
    });
}
