import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { startApi, type RunningApi } from '../../api/main';
import { startAutopilotSim } from '../../autopilot-sim/server';
import { loadConfig } from '../../config/env';
import { exportWorkflowId } from '../../domain/ids';
import { RunSearchAttribute, SEARCH_ATTRIBUTE_NAMES } from '../../domain/run-labels';
import { startDevServer, type DevServer } from '../../scripts/temporal-server';
import { openDb, type Db } from '../../store/db';
import { importProfiles } from '../../store/profiles';
import { createSecretBox, generateSecretsKey } from '../../store/secret-box';
import { RuntimeLogger } from '../../worker/runtime-logger';
import { startWorker, type RunningWorker } from '../../worker/start-worker';
import { simContacts, until } from '../helpers/assertions';
import { TEST_API_KEY, workflowBundle } from '../helpers/stack';

const TOKEN = 'unprepared-cluster-admin-token-0123456789';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const KEYWORD = 2;
const ALL_KEYWORD = Object.fromEntries(SEARCH_ATTRIBUTE_NAMES.map((name) => [name, KEYWORD]));

/**
 * The engine pointed at a Temporal server whose namespace nobody prepared: no custom search
 * attributes. The API and the workers each register them at start; runs then start and carry them.
 */
describe('a Temporal cluster nobody prepared', () => {
  let server: DevServer;
  let connection: Connection;
  let db: Db;
  let sim: Awaited<ReturnType<typeof startAutopilotSim>>;
  let api: RunningApi | undefined;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    Runtime.install({ logger: new RuntimeLogger('WARN') });
    server = await startDevServer({ searchAttributes: false });
    connection = await Connection.connect({ address: server.address });
    db = await openDb();
    sim = await startAutopilotSim({ keys: [TEST_API_KEY], rateLimit: 0 });
  }, 90_000);
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await connection?.close();
    await sim?.close();
    await db?.close();
    await server?.stop();
  });

  const customAttributes = async () => (await connection.operatorService.listSearchAttributes({ namespace: 'default' })).customAttributes;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${api!.port}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads whatever the API answered
    return { status: res.status, body: (await res.json()) as any };
  };

  it('registers the search attributes from the API and from the workers, then runs an export that carries them', async () => {
    expect(await customAttributes()).toEqual({});
    const suffix = randomUUID();
    const secretsKey = generateSecretsKey();
    const config = loadConfig({
      ADMIN_TOKEN: TOKEN,
      PORT: '0',
      SECRETS_KEY: secretsKey,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: `unprepared-${suffix}`,
      DESTINATION_TIMEOUT_MS: '2000',
    });

    // The API, alone, prepares the namespace.
    api = await startApi({ config, db, secretsKey: config.secretsKey!, autopilotBaseUrl: sim.url, logger: quiet });
    await until('the API to register them', async () => ((await call('GET', '/health')).body.searchAttributes?.status === 'ok' ? true : undefined));
    expect(await customAttributes()).toEqual(ALL_KEYWORD);

    // Taken away again, the workers, alone, prepare it too, before they take work.
    await connection.operatorService.removeSearchAttributes({ namespace: 'default', searchAttributes: SEARCH_ATTRIBUTE_NAMES });
    expect(await customAttributes()).toEqual({});
    worker = await startWorker({ config, db, box: createSecretBox(config.secretsKey!), autopilotBaseUrl: sim.url, workflowBundle: await workflowBundle() });
    expect(await customAttributes()).toEqual(ALL_KEYWORD);

    await importProfiles(db, (async function* () {
      yield JSON.stringify({ id: 'p1', segments: ['VIP'], EmailAddress: 'a@example.com' });
      yield JSON.stringify({ id: 'p2', segments: ['VIP'], EmailAddress: 'b@example.com' });
    })());
    const created = await call('POST', '/connections', { displayName: 'Sim', apiKey: TEST_API_KEY, privacyConsent: true, baseUrl: sim.url });
    const exported = await call('POST', '/exports', { displayName: 'VIP out', connectionId: created.body.id, segmentIds: ['VIP'], mapping: { email: 'EmailAddress' } });
    const started = await call('POST', `/exports/${exported.body.id}/runs`);
    expect(started.status).toBe(202);
    const run = await until('the run to complete', async () => {
      const got = await call('GET', `/runs/${started.body.runId}`);
      return got.body.status === 'running' ? undefined : got.body;
    });
    expect(run.status).toBe('completed');
    expect([...simContacts(sim.sim, TEST_API_KEY).keys()].sort()).toEqual(['a@example.com', 'b@example.com']);

    const client = new Client({ connection });
    const described = await client.workflow.getHandle(exportWorkflowId(exported.body.id)).describe();
    const attributes = described.typedSearchAttributes;
    expect(attributes.get(RunSearchAttribute.ExportId)).toBe(exported.body.id);
    expect(attributes.get(RunSearchAttribute.ExportName)).toBe('VIP out');
    expect(attributes.get(RunSearchAttribute.ConnectionId)).toBe(created.body.id);
    expect(attributes.get(RunSearchAttribute.RunTrigger)).toBe('manual');
    expect(attributes.get(RunSearchAttribute.TriggeredBy)).toBe('admin');
  });
});
