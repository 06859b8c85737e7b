import { Hono } from 'hono';
import { createOrttoSimControl, type OrttoSimControl } from './control';
import { createCustomField } from './fields';
import { createGate, type OrttoSimEnv } from './gate';
import { inspectRoutes } from './inspect';
import { parseOrttoSimOptions, type OrttoSimOptionsInput } from './options';
import { BadRequestBan } from './rate-limit';
import { personRoutes } from './routes';
import { OrttoSimState } from './state';

export interface OrttoSim {
  app: Hono;
  sim: OrttoSimControl;
}

/**
 * Builds the Ortto simulator as a Hono app (no listening; see `startOrttoSim`): the person API
 * under `/v1`, served for any host as every region's is, and read-only inspection under `/_sim`.
 */
export function createOrttoSim(input: OrttoSimOptionsInput = {}): OrttoSim {
  const options = parseOrttoSimOptions(input);
  const state = new OrttoSimState(options.keys, (account) => {
    for (const f of options.customFields) createCustomField(account, f.name, f.type);
    for (const email of options.suppressed) account.suppressed.add(email.trim().toLowerCase());
  });
  const ban = new BadRequestBan(options.badRequestBan);
  const sim = createOrttoSimControl(state, ban);

  const api = new Hono<OrttoSimEnv>()
    .use('*', createGate(state, ban, options))
    .route('/', personRoutes())
    .all('*', (c) => c.json({ code: 404, error: 'Not found' }, 404));

  const app = new Hono();
  app.route('/_sim', inspectRoutes(sim));
  app.route('/', api);
  // A bug in the simulator must look like Ortto's 500, never a stack trace.
  app.onError((_err, c) => c.json({ code: 500, error: 'Internal error' }, 500));
  return { app, sim };
}
