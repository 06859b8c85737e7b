import { OpenAPIHono } from '@hono/zod-openapi';
import type { Db } from '../../store/db';
import type { ProfileSource } from '../../profiles-source/source';
import { importProfiles, readLines, type Line } from '../../store/profiles';
import type { AppEnv } from '../auth';
import { catalogRoutes, NDJSON } from '../contract/catalog';
import { ApiError, validationHook } from '../errors';
import type { Logger } from '../logger';
import type { RunLauncher } from '../ports';
import type { SearchAttributeState } from '../../temporal/search-attributes';
import { fromSource } from '../source-errors';
import { unavailableDependency } from '../unavailable';

/** An upload that breaks off is the client's doing: a 400 that says nothing was applied. */
async function* uploaded(lines: AsyncIterable<Line>): AsyncIterable<Line> {
  try {
    yield* lines;
  } catch (err) {
    if (unavailableDependency(err)) throw err;
    throw new ApiError(400, 'upload_incomplete', 'The upload ended before its end: nothing of it was applied; send it again');
  }
}

/** `profiles`: the configured source (PROFILE_SOURCE) that segments and attributes are listed from. */
export function createCatalogRoutes(deps: { db: Db; logger: Logger; runs: RunLauncher; profiles: ProfileSource }) {
  const { db, profiles } = deps;
  const answers = (probe: Promise<unknown>) => probe.then((ok) => (ok === false ? 'unavailable' : 'ok'), () => 'unavailable') as Promise<'ok' | 'unavailable'>;
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(catalogRoutes.health, async (c) => {
      const [store, temporal, prepared] = await Promise.all([answers(db.query('SELECT 1')), answers(deps.runs.reachable()), deps.runs.searchAttributes?.()]);
      const status = store === 'ok' && temporal === 'ok' && prepared?.state !== 'missing' ? 'ok' : 'unavailable';
      const searchAttributes = prepared && searchAttributeHealth(prepared);
      return c.json({ status, store, temporal, ...(searchAttributes && { searchAttributes }) } as const, status === 'ok' ? 200 : 503);
    })
    .openapi(catalogRoutes.segments, async (c) => {
      const { segments, truncated } = await fromSource(c, () => profiles.listSegments(c.req.raw.signal));
      return c.json(truncated ? { segments, truncated } : { segments }, 200);
    })
    .openapi(catalogRoutes.profileFields, async (c) => c.json({ fields: await fromSource(c, () => profiles.listProfileFields(c.req.raw.signal)) }, 200))
    .openapi(catalogRoutes.importProfiles, async (c) => {
      const type = c.req.header('content-type')?.split(';')[0].trim().toLowerCase();
      if (type !== NDJSON) throw new ApiError(415, 'unsupported_media_type', `Send the profiles as ${NDJSON}, one JSON object per line`);
      const body = c.req.raw.body;
      // Streamed line by line into a staging table (memory stays flat), then applied all at once.
      const result = body ? await importProfiles(db, uploaded(readLines(body))) : { imported: 0, rejected: 0, errors: [] };
      deps.logger.info('Profiles imported', { imported: result.imported, rejected: result.rejected, by: c.var.user.name });
      return c.json(result, 200);
    });
}

/** What /health says of the runs' search attributes: which are missing, and the command that adds them. */
function searchAttributeHealth(prepared: SearchAttributeState) {
  if (prepared.state === 'missing') return { status: 'missing' as const, missing: prepared.missing, command: prepared.command };
  return { status: prepared.state === 'ready' ? ('ok' as const) : ('unknown' as const) };
}
