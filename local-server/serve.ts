import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';

export interface ListenOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1; use 0.0.0.0 in a container. */
  host?: string;
}

export interface Listening {
  /** `http://host:port`, reachable from this machine. */
  origin: string;
  /** Drops open connections and stops listening. */
  close(): Promise<void>;
}

/** Serves a fetch handler (a hono app) over plain HTTP: how the local fakes of remote APIs run. */
export async function listen(fetch: (request: Request) => Response | Promise<Response>, options: ListenOptions = {}): Promise<Listening> {
  const { port = 0, host = '127.0.0.1' } = options;
  // Without serverOptions for http2/https, the adaptor builds a plain node:http server.
  const server = createAdaptorServer({ fetch, hostname: host }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    origin: `http://${displayHost(address)}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
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

/** For a fake's own process: runs until SIGINT or SIGTERM, then closes and exits. */
export function closeOnSignal(close: () => Promise<void>): void {
  const shutdown = (): void => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
