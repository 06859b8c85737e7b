import { Hono } from 'hono';
import { createSimControl, type SimControl } from './control';
import { Faults, Holds } from './faults';
import { createGate } from './gate';
import { apiError, type SimEnv } from './http';
import { inspectRoutes } from './inspect';
import { parseSimOptions, type AutopilotSimOptionsInput } from './options';
import { contactRoutes } from './routes-contacts';
import { listRoutes } from './routes-lists';
import { SimState } from './state';

export interface AutopilotSim {
  app: Hono;
  sim: SimControl;
  /** Answers every request held by latency or the timeout fault now; call before closing a server. */
  releaseHeld(): void;
}

/**
 * Builds the Autopilot simulator as a Hono app (no listening; see `startAutopilotSim`).
 * Autopilot's API lives under `/v1`; read-only inspection under `/_sim`.
 * Throws on invalid options.
 */
export function createAutopilotSim(input: AutopilotSimOptionsInput = {}): AutopilotSim {
  const options = parseSimOptions(input);
  const state = new SimState(options.keys, options.acceptAnyKey);
  const faults = new Faults(options.faults, options.seed);
  const holds = new Holds();
  const sim = createSimControl(state, faults);

  const v1 = new Hono<SimEnv>()
    .use('*', createGate({ state, faults, holds, rateLimit: options.rateLimit, retryAfterHeader: options.retryAfterHeader }))
    .get('/account', (c) => c.json(options.account))
    .route('/', contactRoutes(faults))
    .route('/', listRoutes(options.duplicateListNames))
    .all('*', (c) => apiError(c, 404, `No route for ${c.req.method} ${c.req.path.replace(/^\/v1/, '').split('/').slice(0, 2).join('/')}.`));

  const app = new Hono();
  app.route('/v1', v1);
  app.route('/_sim', inspectRoutes(sim));
  app.notFound((c) => c.json({ error: 'Not Found', message: 'Not found.' }, 404));
  // A bug in the simulator must look like Autopilot's 500, never a stack trace.
  app.onError((_err, c) => c.json({ error: 'Internal Server Error', message: 'Unexpected simulator error.' }, 500));
  return { app, sim, releaseHeld: () => holds.releaseAll() };
}
