import { listen, type ListenOptions } from '../local-server/serve';
import { createDataverseSim } from './app';
import type { DataverseSimControl } from './control';
import type { DataverseSimOptionsInput } from './options';

export interface StartDataverseSimOptions extends DataverseSimOptionsInput, ListenOptions {}

export interface RunningDataverseSim {
  /** `http://host:port`: both the organization URI and the authority URL. */
  url: string;
  sim: DataverseSimControl;
  /** Drops open connections and stops listening. */
  close(): Promise<void>;
}

/** Serves the fake over HTTP on loopback; used by tests and `main.ts`. */
export async function startDataverseSim(options: StartDataverseSimOptions = {}): Promise<RunningDataverseSim> {
  const { port, host, ...simOptions } = options;
  const { app, sim } = createDataverseSim(simOptions);
  const listening = await listen(app.fetch, { port, host });
  return { url: listening.origin, sim, close: listening.close };
}
