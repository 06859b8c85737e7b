import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AutopilotClient } from '../autopilot';
import { openDb } from '../store/db';
import { importProfiles } from '../store/profiles';
import { toSettings } from '../store/exports';
import { startDevServer } from '../scripts/temporal-server';
import { allExecutions } from '../test/helpers/history';
import { startTestStack, TEST_API_KEY, type TestStack } from '../test/helpers/stack';

/**
 * `npm run bench [-- --profiles N]`: the engine at Autopilot's limit, against a plain loop, on its
 * own stack (Temporal dev server, workers, simulator, in-memory store). Prints a table and writes
 * it as JSON under bench/results/.
 */
const profiles = Number(argument('--profiles') ?? 100_000);
const only = argument('--scenario');

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const benchId = (i: number) => `b-${String(i).padStart(7, '0')}`;

async function* benchLines(count: number) {
  for (let i = 1; i <= count; i++) {
    yield JSON.stringify({ id: benchId(i), segments: ['Bench'], EmailAddress: `b${i}@example.com`, FirstName: `F${i}`, LastName: `L${i}` });
  }
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);

interface Row {
  scenario: string;
  profiles: number;
  wallSeconds: number;
  profilesPerSecond: number;
  peakRssMb: number;
  largestExecutionEvents?: number;
  requests: number;
  rateLimited: number;
  note: string;
}

async function engineRun(stack: TestStack, name: string, note: (wall: number) => string): Promise<Row> {
  stack.sim.sim.reset();
  peakRss = 0;
  const connection = await stack.createConnection();
  const e = await stack.createExport({ connectionId: connection.id, segmentIds: ['Bench'], profileLimit: Math.max(profiles, 100_000), onLimitExceeded: 'send_first' });
  const started = Date.now();
  const handle = await stack.startRun(toSettings({ ...e, connectionId: connection.id }));
  const { counts } = await handle.result();
  const wall = (Date.now() - started) / 1000;
  let largest = 0;
  for (const ex of await allExecutions(stack.client, handle.workflowId)) {
    largest = Math.max(largest, (await stack.client.workflow.getHandle(handle.workflowId, ex.runId).describe()).historyLength);
  }
  const stats = stack.sim.sim.stats(TEST_API_KEY);
  if (counts.exported !== profiles) throw new Error(`${name}: exported ${counts.exported} of ${profiles}`);
  return { scenario: name, profiles, wallSeconds: wall, profilesPerSecond: Math.round(profiles / wall), peakRssMb: Math.round(peakRss / 2 ** 20), largestExecutionEvents: largest, requests: stats.requests, rateLimited: stats.rateLimited, note: note(wall) };
}

/** The same work without Temporal: read 100 at a time from the store, post with the same concurrency. */
async function plainLoop(stack: TestStack, concurrency = 4): Promise<Row> {
  stack.sim.sim.reset();
  peakRss = 0;
  const client = new AutopilotClient({ baseUrl: stack.sim.url, apiKey: TEST_API_KEY });
  const started = Date.now();
  const listId = await client.ensureList('Bench');
  let next = 0;
  const batches = Math.ceil(profiles / 100);
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let b = next++; b < batches; b = next++) {
      const rows = await stack.db.query<{ attributes: Record<string, string> }>(
        `SELECT p.attributes FROM segment_members m JOIN profiles p ON p.id = m.profile_id
         WHERE m.segment_id = 'Bench' AND p.id BETWEEN $1 AND $2 ORDER BY p.id`, [benchId(b * 100 + 1), benchId(b * 100 + 100)]);
      await client.upsertContacts(rows.map((r) => ({ Email: r.attributes.EmailAddress, FirstName: r.attributes.FirstName, LastName: r.attributes.LastName, _autopilot_list: listId })));
    }
  }));
  const wall = (Date.now() - started) / 1000;
  const stats = stack.sim.sim.stats(TEST_API_KEY);
  client.close();
  return { scenario: '2b plain loop', profiles, wallSeconds: wall, profilesPerSecond: Math.round(profiles / wall), peakRssMb: Math.round(peakRss / 2 ** 20), requests: stats.requests, rateLimited: stats.rateLimited, note: 'no Temporal, same store, batch size and concurrency' };
}

async function main(): Promise<void> {
  const server = await startDevServer();
  process.env.TEMPORAL_ADDRESS = server.address;
  const rows: Row[] = [];
  try {
    const db = await openDb();
    const stack = await startTestStack({ db, rateLimit: 5, sim: { rateLimit: 5, faults: { latencyMs: [100, 300] } } });
    const imported = Date.now();
    await importProfiles(stack.db, benchLines(profiles));
    console.log(`imported ${profiles} profiles in ${((Date.now() - imported) / 1000).toFixed(1)} s`);
    const floor = profiles / 500;
    if (!only || only === '1') rows.push(await engineRun(stack, '1 at the limit', (w) => `floor ${floor} s; ${(w / floor).toFixed(2)} × floor`));
    // Scenario 2: the limit off, low latency: what durability costs.
    await stack.close();
    const fast = await startTestStack({ db: stack.db, rateLimit: 1000, sim: { rateLimit: 0, faults: { latencyMs: 5 } } });
    if (!only || only === '2') {
      const engine = await engineRun(fast, '2a engine, limit off', () => '');
      const plain = await plainLoop(fast);
      engine.note = `engine / plain loop = ${(engine.wallSeconds / plain.wallSeconds).toFixed(2)}`;
      rows.push(engine, plain);
    }
    await fast.close();
    await db.close();
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`\nMachine: ${machine}`);
  console.table(rows);
  const file = path.join(__dirname, 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ machine, profiles, rows }, null, 2));
  console.log(`written ${path.relative(process.cwd(), file)}`);
  process.exit(0);
}

void main();
