import { Hono } from 'hono';
import { createControl, type DataverseSimControl } from './control';
import { buildTables } from './data';
import { createGate, odataError, type DataEnv } from './gate';
import { parseSimOptions, type DataverseSimOptionsInput } from './options';
import { emptyStats } from './stats';
import { tableRoutes } from './tables';
import { TokenStore, tokenRoutes } from './tokens';

export interface DataverseSim {
  app: Hono;
  sim: DataverseSimControl;
}

/**
 * A local fake of Customer Insights – Data's Dataverse tables and of Microsoft Entra ID's token
 * endpoint, on one origin (point both `DATAVERSE_URL` and `DATAVERSE_AUTHORITY_URL` at it):
 * `POST /{tenant}/oauth2/v2.0/token`, `GET /api/data/v9.2/msdynci_customerprofiles` and
 * `…/msdynci_segmentmemberships`, read-only inspection under `/_sim`. Throws on invalid options.
 */
export function createDataverseSim(input: DataverseSimOptionsInput = {}): DataverseSim {
  const options = parseSimOptions(input);
  const stats = emptyStats();
  const tokens = new TokenStore();
  const faults = { current: options.faults };
  const pendingFailures: number[] = [];
  const { gate, resetThrottles } = createGate({ tokens, stats, faults: () => faults.current, pendingFailures, seed: options.seed });
  const sim = createControl({ stats, tokens, faults, pendingFailures, resetThrottles });

  const data = new Hono<DataEnv>()
    .use('*', gate)
    .route('/', tableRoutes(buildTables(options), stats))
    .all('*', (c) => odataError(c, 404, '0x80060888', `Resource not found for the segment '${c.req.path.split('/').pop() ?? ''}'.`));

  const app = new Hono();
  app.route('/', tokenRoutes(options, tokens, stats));
  app.route('/api/data/v9.2', data);
  app.get('/_sim/health', (c) => c.json({ status: 'ok' }));
  app.get('/_sim/stats', (c) => c.json(sim.stats()));
  app.notFound((c) => c.json({ error: { code: '0x80060888', message: 'Not found.' } }, 404));
  // A bug in the fake must look like a Dataverse 500, never a stack trace.
  app.onError((_err, c) => c.json({ error: { code: '0x80040216', message: 'Unexpected error in the Dataverse fake.' } }, 500));
  return { app, sim };
}
