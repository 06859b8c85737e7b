import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { createAutopilotSim } from './app';
import type { SimControl } from './control';
import type { AutopilotSimOptionsInput } from './options';

export interface StartAutopilotSimOptions extends AutopilotSimOptionsInput {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1; use 0.0.0.0 in a container. */
  host?: string;
}

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
  const { port = 0, host = '127.0.0.1', ...simOptions } = options;
  const { app, sim, releaseHeld } = createAutopilotSim(simOptions);
  // Without serverOptions for http2/https, the adaptor builds a plain node:http server.
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = displayHost(address);
  const origin = `http://${shownHost}:${address.port}`;
  return {
    url: `${origin}/v1`,
    origin,
    sim,
    close: () =>
      new Promise<void>((resolve, reject) => {
        releaseHeld();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A wildcard bind is reachable on loopback; show that instead of 0.0.0.0. */
function displayHost({ address, family }: AddressInfo): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (family === 'IPv6') return address === '::' ? '[::1]' : `[${address}]`;
  return address;
}
