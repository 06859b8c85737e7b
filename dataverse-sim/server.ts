import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createDataverseSim } from './app';
import type { DataverseSimControl } from './control';
import type { DataverseSimOptionsInput } from './options';

export interface StartDataverseSimOptions extends DataverseSimOptionsInput {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1; use 0.0.0.0 in a container. */
  host?: string;
}

export interface RunningDataverseSim {
  /** `http://host:port`: both the organization URI and the authority URL. */
  url: string;
  sim: DataverseSimControl;
  /** Drops open connections and stops listening. */
  close(): Promise<void>;
}

/** Serves the fake over HTTP on loopback; used by tests and `main.ts`. */
export async function startDataverseSim(options: StartDataverseSimOptions = {}): Promise<RunningDataverseSim> {
  const { port = 0, host = '127.0.0.1', ...simOptions } = options;
  const { app, sim } = createDataverseSim(simOptions);
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.address === '0.0.0.0' ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address === '::' ? '::1' : address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    sim,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
