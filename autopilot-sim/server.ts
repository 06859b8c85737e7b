import { listen, type ListenOptions } from '../local-server/serve';
import { createAutopilotSim } from './app';
import type { SimControl } from './control';
import type { AutopilotSimOptionsInput } from './options';

export interface StartAutopilotSimOptions extends AutopilotSimOptionsInput, ListenOptions {}

export interface RunningAutopilotSim {
  /** Base URL for an Autopilot client, ending in `/v1`. */
  url: string;
  /** `http://host:port`, for `/_sim/...`. */
  origin: string;
  sim: SimControl;
  /** Answers held requests, drops open connections and stops listening. */
  close(): Promise<void>;
}

/** Serves the simulator over HTTP on loopback; used by tests, benchmarks and `main.ts`. */
export async function startAutopilotSim(options: StartAutopilotSimOptions = {}): Promise<RunningAutopilotSim> {
  const { port, host, ...simOptions } = options;
  const { app, sim, releaseHeld } = createAutopilotSim(simOptions);
  const listening = await listen(app.fetch, { port, host });
  return {
    url: `${listening.origin}/v1`,
    origin: listening.origin,
    sim,
    close: () => {
      releaseHeld();
      return listening.close();
    },
  };
}
