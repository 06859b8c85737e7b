import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { countsAddUp, type RunCounts } from '../../domain/export';
import { exportWorkflowId } from '../../domain/ids';
import { startCluster, type Cluster } from '../../scripts/cluster/cluster';
import { simContacts, until } from '../helpers/assertions';
import { allExecutions } from '../helpers/history';
import { buildProfiles, expectedExport, type TestProfile } from '../helpers/profiles';

/**
 * The production topology (docker-compose.yml's, without Docker): a real Temporal server on
 * PostgreSQL, the store on PostgreSQL, the API and two worker processes, Autopilot's simulator at
 * its real rate (5 requests/s per key, 429 above it). Everything goes through the API, as a user's
 * runs do; what arrived is read at the simulator.
 */

const SEGMENTS = ['A', 'B', 'C', 'D'];
/** The integration tests' profiles (every case an export must handle) in a fourth segment too, overlapping the other three. */
const profiles: TestProfile[] = buildProfiles(3_000).map((p, i) => (i % 4 === 1 || i % 11 === 0 ? { ...p, segments: [...p.segments, 'D'] } : p));
const expected = expectedExport(profiles, SEGMENTS);
/** A contact is delivered once per list it is on: what the simulator receives from a run without a crash. */
const DELIVERIES = [...expected.contacts.values()].reduce((n, c) => n + c.lists.length, 0);
/** One key per test: the simulator's figures are then the test's own. */
const KEYS = [1, 2, 3, 4, 5, 6].map((n) => `c${n}`.repeat(16));
const RATE = 5;
/** What may be sent twice after a crash: the batches in flight (4 slots × 100 contacts). */
const IN_FLIGHT_BOUND = 4 * 100;

interface Run {
  id: string;
  status: string;
  counts: RunCounts;
}

describe('the cluster topology', () => {
  let cluster: Cluster;
  let connection: Connection | undefined;
  let client: Client;
  /** A connection per key, made (and its key checked) before any run: a test's first second is then its run's own. */
  const connections = new Map<string, string>();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads whatever the API answered
  async function api<T = any>(method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<{ status: number; body: T }> {
    const res = await fetch(cluster.apiUrl + path, {
      method,
      headers: { authorization: `Bearer ${cluster.adminToken}`, 'content-type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function connect(key: string): Promise<string> {
    const connection = await api('POST', '/connections', { displayName: `Sim ${key.slice(0, 4)}`, apiKey: key, usableBy: 'admins', privacyConsent: true, requestsPerSecond: RATE });
    expect(connection.status).toBe(201);
    return connection.body.id;
  }

  async function exportOn(key: string, more: Record<string, unknown> = {}): Promise<string> {
    const created = await api('POST', '/exports', {
      displayName: `Four segments ${key.slice(0, 4)}`,
      connectionId: connections.get(key),
      segmentIds: SEGMENTS,
      mapping: { email: 'EmailAddress', firstName: 'FirstName', lastName: 'LastName' },
      ...more,
    });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function startRun(exportId: string): Promise<string> {
    const started = await api('POST', `/exports/${exportId}/runs`);
    expect(started.status).toBe(202);
    return started.body.runId;
  }

  const readRun = async (runId: string) => (await api<Run>('GET', `/runs/${runId}`)).body;
  const exportedSoFar = (runId: string, atLeast: number) =>
    until(`${atLeast} profiles exported`, async () => ((await readRun(runId)).counts?.exported >= atLeast ? true : undefined), 120_000);
  const finished = (runId: string) =>
    until('the run to finish', async () => {
      const run = await readRun(runId).catch(() => undefined);
      return run && run.status !== 'running' ? run : undefined;
    }, 280_000);

  /** The run as an exact export of the four segments: counts, and what the simulator holds. */
  async function expectExact(run: Run, key: string) {
    expect(run.status).toBe('completed');
    expect(run.counts).toMatchObject({
      total: expected.total,
      exported: expected.contacts.size,
      pending: 0,
      skipped: expected.skipped,
      rejected: { 'refused by Autopilot': expected.refused.length },
    });
    expect(countsAddUp(run.counts)).toBe(true);
    const held = simContacts(await cluster.sim.holds(key), key);
    expect(new Set(held.keys())).toEqual(new Set(expected.contacts.keys()));
    expect(held).toEqual(expected.contacts);
  }

  async function rateFigures(key: string) {
    const stats = await cluster.sim.stats(key);
    console.log(`key …${key.slice(-4)}: ${stats.requests} requests, at most ${stats.maxReceivedPerSecond} in any second, ${stats.rateLimited} answered 429, ${stats.upsertedContacts} contacts upserted`);
    if (stats.maxReceivedPerSecond > RATE) {
      // Which requests came too close: the first windows of RATE + 1 arrivals within a second, with the gaps between them.
      const arrivals = await cluster.sim.arrivals(key);
      const crowded = arrivals.slice(RATE).map((_, i) => arrivals.slice(i, i + RATE + 1)).filter((w) => w[RATE].at - w[0].at < 1_000);
      for (const w of crowded.slice(0, 3)) {
        console.log(`${RATE + 1} requests in ${(w[RATE].at - w[0].at).toFixed(0)} ms: ${w.map((a, j) => `${j ? `+${(a.at - w[j - 1].at).toFixed(0)} ` : ''}${a.request} ${a.status} (${a.ms} ms)`).join(', ')}`);
      }
    }
    return stats;
  }

  beforeAll(async () => {
    const started = performance.now();
    cluster = await startCluster({
      workers: 2,
      sim: { keys: KEYS, rateLimit: RATE, faults: { latencyMs: [20, 80], refuseEmails: '^refused-' } },
      log: (line) => console.log(line),
    });
    console.log(`cluster up in ${((performance.now() - started) / 1000).toFixed(1)} s (state in ${cluster.dir})`);
    const ndjson = profiles.map((p) => JSON.stringify(p)).join('\n') + '\n';
    connection = await Connection.connect({ address: cluster.temporal.address });
    client = new Client({ connection });
    const imported = await api('POST', '/profiles/import', ndjson);
    expect(imported).toMatchObject({ status: 200, body: { imported: profiles.length, rejected: 0 } });
    for (const key of KEYS) connections.set(key, await connect(key));
  }, 600_000);

  afterAll(async () => {
    await connection?.close();
    await cluster?.stop();
  }, 120_000);

  it('exports four overlapping segments exactly with two worker processes, within the key’s rate', async () => {
    const exportId = await exportOn(KEYS[0]);
    const runId = await startRun(exportId);

    const run = await finished(runId);

    await expectExact(run, KEYS[0]);
    const stats = await rateFigures(KEYS[0]);
    expect(stats.upsertedContacts).toBe(DELIVERIES);
    expect(stats.maxReceivedPerSecond).toBeLessThanOrEqual(RATE);
    expect(stats.rateLimited).toBe(0);
    // Both processes took part: the workers that started the run's activities, by identity (pid@host), in every execution (found through visibility).
    const workflowId = exportWorkflowId(exportId);
    const identities = new Set<string>();
    for (const e of await allExecutions(client, workflowId)) {
      const history = await client.workflow.getHandle(workflowId, e.runId).fetchHistory();
      for (const event of history.events ?? []) if (event.activityTaskStartedEventAttributes?.identity) identities.add(event.activityTaskStartedEventAttributes.identity);
    }
    console.log(`activities started by ${[...identities].join(', ')}`);
    expect(identities.size).toBe(2);
  });

  it('completes the same run after the Temporal server is SIGKILLed mid-run and restarted, every contact at the simulator, no second above the rate', async () => {
    const runId = await startRun(await exportOn(KEYS[1]));
    await exportedSoFar(runId, 300);

    await cluster.temporal.kill('SIGKILL');
    const downAt = performance.now();
    // While it is down: what the API answers, and how fast (every call to Temporal should have a deadline).
    const timed = async (path: string) => {
      const t = performance.now();
      const answer = await api('GET', path, undefined, 30_000).then((r) => String(r.status), (err: Error) => err.name);
      return `${path.replace(runId, ':id')} ${answer} in ${((performance.now() - t) / 1000).toFixed(1)} s`;
    };
    const duringOutage = Promise.all([timed('/health'), timed(`/runs/${runId}`)]);
    await new Promise((r) => setTimeout(r, 5_000));
    await cluster.temporal.restart();
    console.log(`Temporal server down ${((performance.now() - downAt) / 1000).toFixed(1)} s; meanwhile ${(await duringOutage).join(', ')}`);

    const run = await finished(runId);

    expect(run.id).toBe(runId);
    await expectExact(run, KEYS[1]);
    const stats = await rateFigures(KEYS[1]);
    const duplicates = stats.upsertedContacts - DELIVERIES;
    console.log(`server restart: ${duplicates} contacts sent twice (bound ${IN_FLIGHT_BOUND})`);
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(IN_FLIGHT_BOUND);
    expect(stats.maxReceivedPerSecond).toBeLessThanOrEqual(RATE);
  });

  it('completes a run on the other worker when one worker process is SIGKILLed mid-run, sending again at most the batches in flight', async () => {
    const runId = await startRun(await exportOn(KEYS[2]));
    await exportedSoFar(runId, 300);

    const [victim, survivor] = cluster.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    await victim.kill('SIGKILL');
    const sentAtKill = (await cluster.sim.stats(KEYS[2])).upsertedContacts;

    const run = await finished(runId);

    expect(survivor.child.exitCode).toBeNull();
    await expectExact(run, KEYS[2]);
    const stats = await rateFigures(KEYS[2]);
    const duplicates = stats.upsertedContacts - DELIVERIES;
    console.log(`worker killed after ${sentAtKill} contacts sent; ${duplicates} sent twice (bound ${IN_FLIGHT_BOUND})`);
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(IN_FLIGHT_BOUND);
    expect(stats.maxReceivedPerSecond).toBeLessThanOrEqual(RATE);
  });

  it('runs a schedule, finds runs by search attribute, pauses, resumes and cancels as on the dev server', async () => {
    const exportId = await exportOn(KEYS[3], { schedule: { cron: '0 6 * * *', timezone: 'UTC' } });
    // The schedule the API made, triggered by hand: a run of its own, found through visibility by its ExportId.
    await client.schedule.getHandle(`export-schedule-${exportId}`).trigger();
    const scheduled = await until('the scheduled run in visibility, by ExportId', async () => {
      for await (const e of client.workflow.list({ query: `ExportId = "${exportId}" AND RunTrigger = "schedule"` })) return e;
      return undefined;
    });
    expect(scheduled.searchAttributes?.ExportId).toEqual([exportId]);
    const runId = await until('the scheduled run in the run history', async () => (await api('GET', `/exports/${exportId}/runs`)).body.runs?.[0]?.id as string | undefined);
    await exportedSoFar(runId, 300);

    const paused = await api('POST', `/runs/${runId}/pause`);
    expect(paused.status).toBe(200);
    const atPause = (await cluster.sim.stats(KEYS[3])).requests;
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await cluster.sim.stats(KEYS[3])).requests).toBe(atPause);
    expect((await readRun(runId)).status).toBe('running');
    expect((await api('POST', `/runs/${runId}/resume`)).status).toBe(200);
    await expectExact(await finished(runId), KEYS[3]);
    expect((await rateFigures(KEYS[3])).maxReceivedPerSecond).toBeLessThanOrEqual(RATE);

    // Cancel: nothing reaches the destination once the cancel has settled.
    const other = await startRun(await exportOn(KEYS[4]));
    await exportedSoFar(other, 300);
    expect((await api('POST', `/runs/${other}/cancel`)).status).toBe(202);
    const cancelled = await finished(other);
    expect(cancelled.status).toBe('cancelled');
    expect(countsAddUp(cancelled.counts)).toBe(true);
    const atCancel = (await cluster.sim.stats(KEYS[4])).requests;
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await cluster.sim.stats(KEYS[4])).requests).toBe(atCancel);
  });

  it('keeps a key within its rate when it is checked while a run uses it', async () => {
    const runId = await startRun(await exportOn(KEYS[5]));
    await exportedSoFar(runId, 300);
    // Saving another connection on the key checks it (GET /account), from the API process.
    const saved: number[] = [];
    for (let i = 0; i < 3; i++) {
      saved.push((await api('POST', '/connections', { displayName: `Another ${i}`, apiKey: KEYS[5], usableBy: 'admins', privacyConsent: true, requestsPerSecond: RATE })).status);
    }
    console.log(`connections saved on the busy key answered ${saved.join(', ')}`);

    await expectExact(await finished(runId), KEYS[5]);
    expect((await rateFigures(KEYS[5])).maxReceivedPerSecond).toBeLessThanOrEqual(RATE);
  });
});
