import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startApi, type RunningApi } from '../../api/main';
import { startAutopilotSim } from '../../autopilot-sim/server';
import { loadConfig } from '../../config/env';
import { freePort, startDevServer, type DevServer } from '../../scripts/temporal-server';
import { openDb, type Db } from '../../store/db';
import { importProfiles } from '../../store/profiles';
import { generateSecretsKey } from '../../store/secret-box';
import { until } from '../helpers/assertions';
import { startPostgres, type Postgres } from '../helpers/postgres';
import { TEST_API_KEY } from '../helpers/stack';

const TOKEN = 'outage-test-admin-token-0123456789abcdef';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The API with Temporal down: it starts, says so on /health, answers 503, and recovers by itself. */
describe('the API while Temporal is down', () => {
  let db: Db;
  let api: RunningApi;
  let server: DevServer | undefined;
  let sim: Awaited<ReturnType<typeof startAutopilotSim>>;
  let temporalPort: number;

  beforeAll(async () => {
    db = await openDb();
    sim = await startAutopilotSim({ keys: [TEST_API_KEY], rateLimit: 0 });
    temporalPort = await freePort();
    const config = loadConfig({ ADMIN_TOKEN: TOKEN, PORT: '0', SECRETS_KEY: generateSecretsKey(), TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}` });
    api = await startApi({ config, db, secretsKey: config.secretsKey!, autopilotBaseUrl: sim.url, logger: quiet });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await server?.stop();
    await sim?.close();
    await db?.close();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${api.port}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads whatever the API answered
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
  };

  it('reports Temporal unavailable, answers 503 with Retry-After, and recovers when Temporal comes up', async () => {
    expect(await call('GET', '/health')).toMatchObject({ status: 503, body: { status: 'unavailable', store: 'ok', temporal: 'unavailable' } });

    await importProfiles(db, (async function* () {
      yield JSON.stringify({ id: 'p1', segments: ['VIP'], EmailAddress: 'a@example.com' });
    })());
    const connection = await call('POST', '/connections', { displayName: 'Sim', apiKey: TEST_API_KEY, privacyConsent: true, baseUrl: sim.url });
    const created = await call('POST', '/exports', { displayName: 'x', connectionId: connection.body.id, segmentIds: ['VIP'], mapping: { email: 'EmailAddress' } });
    expect(created.status).toBe(201);
    const refused = await call('POST', `/exports/${created.body.id}/runs`);
    expect(refused).toMatchObject({ status: 503, retryAfter: expect.any(String), body: { error: { code: 'temporal_unavailable' } } });

    server = await startDevServer({ port: temporalPort });
    await until('Temporal to be reachable', async () => ((await call('GET', '/health')).status === 200 ? true : undefined), 60_000);
    const started = await call('POST', `/exports/${created.body.id}/runs`);
    expect(started.status).toBe(202);

    // Down again with the run going (no worker takes it here): reading it answers from the store, steering it 503s.
    await server.stop();
    server = undefined;
    const t = Date.now();
    expect(await call('GET', `/runs/${started.body.runId}`)).toMatchObject({ status: 200, body: { status: 'running' } });
    const read = Date.now() - t;
    expect(await call('POST', `/runs/${started.body.runId}/cancel`)).toMatchObject({ status: 503, body: { error: { code: 'temporal_unavailable' } } });
    console.log(`with Temporal down: GET /runs/:id answered in ${read} ms, POST /runs/:id/cancel in ${Date.now() - t - read} ms`);
  });
});

/** `api/main.ts` as deployed, started while PostgreSQL is down: it serves /health and 503s, and recovers by itself. */
describe('the API while the store is down', () => {
  let pg: Postgres;
  let api: ChildProcess | undefined;

  beforeAll(async () => {
    pg = await startPostgres();
    await pg.halt();
  }, 60_000);
  afterAll(async () => {
    api?.kill('SIGKILL');
    await pg?.stop();
  });

  it('starts, reports the store unavailable, answers 503 with Retry-After, and recovers when the store comes up', async () => {
    const port = await freePort();
    api = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'api', 'main.ts')], {
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: pg.url, PORT: String(port), ADMIN_TOKEN: TOKEN, SECRETS_KEY: generateSecretsKey(), TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` },
      stdio: 'ignore',
    });
    const call = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads whatever the API answered
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
    };
    const health = await until('the API to answer', () => call('/health').catch(() => undefined), 60_000);
    expect(health).toMatchObject({ status: 503, body: { store: 'unavailable' } });
    expect(await call('/exports')).toMatchObject({ status: 503, retryAfter: expect.any(String), body: { error: { code: 'store_unavailable' } } });

    await pg.resume();
    await until('the store to be reported up', async () => ((await call('/health')).body.store === 'ok' ? true : undefined), 60_000);
    expect(await call('/exports')).toMatchObject({ status: 200, body: { exports: [] } });
    expect(api.exitCode).toBeNull();
  });
});
