import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from '../../../api/app';
import type { AuthFailureLimiter } from '../../../api/auth-failures';
import { createKeyChecker } from '../../../api/check-key';
import type { Logger } from '../../../api/logger';
import type { ConsoleOptions } from '../../../console/app';
import type { ProxyRange } from '../../../config/trusted-proxies';
import { startAutopilotSim, type RunningAutopilotSim } from '../../../autopilot-sim/server';
import { openDb, type Db } from '../../../store/db';
import { createSecretBox, generateSecretsKey } from '../../../store/secret-box';
import { createTokenStore } from '../../../store/tokens';
import { BOOTSTRAP_TOKEN, createFakeRuns, createFakeScheduler, GOOD_KEY, seedProfiles, TEST_OUTBOUND } from '../api/harness';

export const ORIGIN = 'http://localhost';

/**
 * The API app with the console as startApi wires it (console options, trusted proxies), over a
 * fresh store, fakes for Temporal; `listen()` serves it on loopback for streams and real sockets.
 * `peer(address)` is the `env` of a request that came from that address (as node's server gives it).
 */
export async function createConsoleHarness(options: { console?: ConsoleOptions; trustedProxies?: ProxyRange[]; authFailures?: AuthFailureLimiter } = {}) {
  const db: Db = await openDb();
  const sim: RunningAutopilotSim = await startAutopilotSim({ keys: [GOOD_KEY], rateLimit: 0 });
  const requests: { method: string; path: string; status: number }[] = [];
  const logger: Logger = {
    info: (message, fields) => void (message === 'Request' && requests.push(fields as (typeof requests)[number])),
    warn: () => undefined,
    error: () => undefined,
  };
  const fakeRuns = createFakeRuns();
  const app = createApp({
    db,
    box: createSecretBox(Buffer.from(generateSecretsKey(), 'base64')),
    checkKey: createKeyChecker({ defaultBaseUrls: { autopilot: sim.url }, timeoutMs: 2_000, outbound: TEST_OUTBOUND }),
    outbound: TEST_OUTBOUND,
    scheduler: createFakeScheduler().scheduler,
    runs: fakeRuns.runs,
    bootstrapAdminToken: BOOTSTRAP_TOKEN,
    logger,
    authFailures: options.authFailures,
    trustedProxies: options.trustedProxies,
    console: options.console,
  });
  const tokens = { admin: (await createTokenStore(db).create({ name: 'alice', role: 'admin', createdBy: 'test' })).token };
  let server: Server | undefined;

  /** A JSON call to the API as the admin. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads whatever the API answered
  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  return {
    app,
    db,
    sim,
    tokens,
    requests,
    api,
    peer: (address: string) => ({ incoming: { socket: { remoteAddress: address, remotePort: 40000, remoteFamily: address.includes(':') ? 'IPv6' : 'IPv4' } } }),
    /** Serves the app on loopback; answers its origin. */
    async listen(): Promise<string> {
      server = await new Promise<Server>((resolve) => {
        const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
      });
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    /** A connection, an export of segment VIP and a run of it, going (the fake launcher never ends it). */
    async runningRun(): Promise<string> {
      await seedProfiles(db, 3);
      const connection = await api('POST', '/connections', { displayName: 'Sim', apiKey: GOOD_KEY, usableBy: 'admins', privacyConsent: true, baseUrl: sim.url });
      const created = await api('POST', '/exports', { displayName: 'VIP', connectionId: connection.body.id, segmentIds: ['VIP'], mapping: { email: 'EmailAddress' } });
      if (created.status !== 201) throw new Error(`export not created: ${created.status} ${JSON.stringify(created.body)}`);
      const started = await api('POST', `/exports/${created.body.id}/runs`);
      if (started.status !== 202) throw new Error(`run not started: ${started.status}`);
      return started.body.runId as string;
    },
    async close() {
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await sim.close();
      await db.close();
    },
  };
}

export type ConsoleHarness = Awaited<ReturnType<typeof createConsoleHarness>>;

/** Signs in through the console's form, from `origin` (a request to it), and answers the cookie to send back and the page's CSRF token. */
export async function signIn(fetcher: (url: string, init: RequestInit) => Promise<Response>, origin: string, token: string) {
  const res = await fetcher(`${origin}/console/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams({ token }).toString(),
    redirect: 'manual',
  });
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  const home = await (await fetcher(`${origin}/console/exports`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(home)?.[1] ?? '';
  return { cookie, csrf, setCookie: res.headers.get('set-cookie') ?? '' };
}
