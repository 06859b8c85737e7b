import { listen, type ListenOptions } from '../local-server/serve';
import { createOrttoSim } from './app';
import type { OrttoSimControl } from './control';
import type { OrttoSimOptionsInput } from './options';

export interface StartOrttoSimOptions extends OrttoSimOptionsInput, ListenOptions {}

export interface RunningOrttoSim {
  /** Base URL for an Ortto client (paths start with `/v1`), as a connection's baseUrl. */
  url: string;
  sim: OrttoSimControl;
  close(): Promise<void>;
}

/** Serves the simulator over HTTP on loopback; used by tests and `npm start`. */
export async function startOrttoSim(options: StartOrttoSimOptions = {}): Promise<RunningOrttoSim> {
  const { port, host, ...simOptions } = options;
  const { app, sim } = createOrttoSim(simOptions);
  const listening = await listen(app.fetch, { port, host });
  return { url: listening.origin, sim, close: () => listening.close() };
}
