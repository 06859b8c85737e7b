import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApi, type RunningApi } from '../../api/main';
import { startAutopilotSim } from '../../autopilot-sim/server';
import { loadConfig } from '../../config/env';
import { ensureSchemathesis } from '../../scripts/schemathesis';
import { openDb, type Db } from '../../store/db';
import { createSecretBox, generateSecretsKey } from '../../store/secret-box';
import { startWorker, type RunningWorker } from '../../worker/start-worker';
import { until } from '../helpers/assertions';
import { buildProfiles, loadProfiles } from '../helpers/profiles';
import { TEST_API_KEY } from '../helpers/stack';

const ADMIN_TOKEN = 'fuzz-admin-token-0123456789abcdef';

/**
 * Schemathesis generates requests from /openapi.json, valid and invalid, against the API wired to
 * a real Temporal server, store and simulator: no answer may be a 5xx or break its own schema.
 */
describe('the API under schemathesis', () => {
  let dir: string;
  let db: Db;
  let sim: Awaited<ReturnType<typeof startAutopilotSim>>;
  let api: RunningApi;
  let worker: RunningWorker;
  let seeded: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'segment-export-fuzz-'));
    db = await openDb();
    await loadProfiles(db, buildProfiles(300));
    // Any key works, so generated connections are created and the stateful phase follows their links.
    sim = await startAutopilotSim({ keys: [TEST_API_KEY], acceptAnyKey: true, rateLimit: 0 });
    const secretsKey = generateSecretsKey();
    const queue = `fuzz-${randomUUID()}`;
    const config = loadConfig({
      PORT: '0', ADMIN_TOKEN, DATA_DIR: dir, SECRETS_KEY: secretsKey, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: queue,
    });
    api = await startApi({ config, db, secretsKey: Buffer.from(secretsKey, 'base64'), autopilotBaseUrl: sim.url, logger: silent });
    // Workers too, on queues of this test's own: the stateful phase follows links to real runs.
    worker = await startWorker({ config, db, box: createSecretBox(Buffer.from(secretsKey, 'base64')), autopilotBaseUrl: sim.url });
    seeded = await seedObjects(`http://127.0.0.1:${api.port}`);
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await worker?.stop();
    await sim?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds no server error and no response that breaks the schema', async () => {
    const st = ensureSchemathesis();
    // Asynchronously: the API answers from this very process.
    const result = await run(
      st,
      seeded,
      [
        '--config-file',
        path.join(__dirname, 'schemathesis.toml'),
        'run',
        `http://127.0.0.1:${api.port}/openapi.json`,
        '--header',
        `Authorization: Bearer ${ADMIN_TOKEN}`,
        '--checks',
        'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
        '--max-examples',
        '25',
        '--seed',
        '1',
        '--workers',
        '1',
        '--request-timeout',
        '20',
      ],
    );
    if (result.status !== 0 || process.env.FUZZ_VERBOSE) console.log(result.output.slice(-10_000));
    expect(result.status).toBe(0);
  }, 900_000);
});

const silent = { info() {}, warn() {}, error() {} };

/**
 * A connection, an export and a finished run, made through the API: schemathesis.toml names them
 * (FUZZ_*) as the path parameters of the operations on one object, so those reach a real one.
 */
async function seedObjects(base: string): Promise<Record<string, string>> {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const connection = await call('POST', '/connections', { displayName: 'Seeded', apiKey: TEST_API_KEY, privacyConsent: true });
  const exported = await call('POST', '/exports', { displayName: 'Seeded', connectionId: connection.id, segmentIds: ['A'], mapping: { email: 'EmailAddress' } });
  const { runId } = await call('POST', `/exports/${String(exported.id)}/runs`);
  await until('the seeded run to end', async () => ((await call('GET', `/runs/${String(runId)}`)).status === 'running' ? undefined : true), 60_000);
  return { FUZZ_CONNECTION_ID: String(connection.id), FUZZ_EXPORT_ID: String(exported.id), FUZZ_RUN_ID: String(runId) };
}

function run(command: string, env: Record<string, string>, args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}
