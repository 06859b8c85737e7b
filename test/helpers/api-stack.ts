import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from '../../api/app';
import { createKeyChecker } from '../../api/check-key';
import type { Logger } from '../../api/logger';
import { createRunLauncher } from '../../api/run-launcher';
import { createOutboundPolicy, hostOf } from '../../outbound/policy';
import { turnTaker } from '../../store/pacing-in-process';
import { createRunReconciler } from '../../api/run-reconciler';
import { createTemporalScheduler } from '../../api/scheduler';
import { startTestStack, type TestStackOptions } from './stack';

export const API_TOKEN = 'integration-admin-token-0123456789';

const debug = (m: string, f?: unknown) => void (process.env.DEBUG_API && console.error(m, JSON.stringify(f)));
const quiet: Logger = { info: debug, warn: debug, error: debug };

/**
 * The test stack with the real API in front of it, listening on loopback: run launcher, scheduler
 * and reconciler talk to the stack's Temporal server and task queues, keys are checked against
 * the simulator.
 */
export async function startApiStack(options: TestStackOptions & { sweepIntervalMs?: number } = {}) {
  const stack = await startTestStack(options);
  const { client, db, connections } = stack;
  const { taskQueue } = stack;
  const runs = createRunLauncher({ client, db, taskQueue });
  // The simulator's host (loopback), as startApi allows the host of its default Autopilot URL.
  const outbound = createOutboundPolicy([hostOf(stack.sim.url)]);
  const app = createApp({
    db,
    box: stack.box,
    connections,
    checkKey: createKeyChecker({ defaultBaseUrls: { autopilot: stack.sim.url }, outbound, pacing: { budgetOf: connections.destinationKey, waitForTurn: turnTaker(stack.db) } }),
    outbound,
    scheduler: createTemporalScheduler({ client, taskQueue }),
    runs,
    bootstrapAdminToken: API_TOKEN,
    logger: quiet,
  });
  const reconciler = createRunReconciler({ db, runs, logger: quiet });
  const stopSweeping = options.sweepIntervalMs ? reconciler.start(options.sweepIntervalMs) : () => undefined;
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** A JSON request as the bootstrap admin (or the holder of `token`); answers status and parsed body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads whatever the API answered
  async function api<T = any>(method: string, path: string, body?: unknown, token = API_TOKEN): Promise<{ status: number; body: T }> {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  return {
    ...stack,
    url,
    api,
    reconciler,
    async close() {
      stopSweeping();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stack.close();
    },
  };
}

export type ApiStack = Awaited<ReturnType<typeof startApiStack>>;
