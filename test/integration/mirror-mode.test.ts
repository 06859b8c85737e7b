import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertMessage } from '../../activities';
import { AutopilotClient } from '../../autopilot';
import { countsAddUp, type RunCounts } from '../../domain/export';
import { importProfiles } from '../../store/profiles';
import { exportWorkflowId } from '../../domain/ids';
import { startApiStack, type ApiStack } from '../helpers/api-stack';
import { recordHistories } from '../helpers/history';
import { until } from '../helpers/assertions';
import { TEST_API_KEY } from '../helpers/stack';

/** A webhook receiver on loopback that keeps what it gets. */
async function startReceiver() {
  const received: AlertMessage[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as AlertMessage);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const email = (segment: string, i: number) => `${segment.toLowerCase()}${i}@example.com`;

describe('mirror mode (removeWhenLeaving)', () => {
  let s: ApiStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let connectionId: string;

  beforeAll(async () => {
    s = await startApiStack();
    receiver = await startReceiver();
    const connection = await s.api('POST', '/connections', {
      displayName: 'Sim', apiKey: TEST_API_KEY, usableBy: 'admins', privacyConsent: true, baseUrl: s.sim.url, requestsPerSecond: 20,
    });
    expect(connection.status).toBe(201);
    connectionId = connection.body.id;
  });
  afterAll(async () => {
    await receiver?.close();
    await s?.close();
  });

  /** `count` profiles in `segment` (the members in `leaving` now in no segment), as an import sets them. */
  async function members(segment: string, count: number, leaving: number[] = [], extra: Record<number, string> = {}): Promise<void> {
    const lines = Array.from({ length: count }, (_, k) => {
      const i = k + 1;
      return JSON.stringify({ id: `${segment}-${i}`, segments: leaving.includes(i) ? [] : [segment], EmailAddress: email(segment, i), FirstName: extra[i] ?? `F${i}` });
    });
    const result = await importProfiles(s.db, (async function* () {
      yield* lines;
    })());
    expect(result.rejected).toBe(0);
  }

  /** A mirror-mode export of one segment (it must have members), alerting on blocked runs. */
  async function mirrorExport(segment: string): Promise<string> {
    const created = await s.api('POST', '/exports', {
      displayName: `Mirror ${segment}`, connectionId, segmentIds: [segment], mapping: { email: 'EmailAddress', firstName: 'FirstName' },
      removeWhenLeaving: true,
      alerts: { webhookUrl: receiver.url, events: ['blocked', 'completed', 'cancelled'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ mode: 'incremental', removeWhenLeaving: true, maxRemovalShare: 0.1 });
    return created.body.id;
  }

  /** Starts a run, as soon as the previous one is recorded as ended (the API waits out its workflow's closing). */
  async function start(exportId: string): Promise<string> {
    const started = await s.api('POST', `/exports/${exportId}/runs`);
    expect(started.status).toBe(202);
    return started.body.runId as string;
  }

  async function runToEnd(exportId: string): Promise<{ runId: string; status: string; counts: RunCounts }> {
    return finished(await start(exportId));
  }

  async function finished(runId: string) {
    const run = await until('the run to end', async () => {
      const { body } = await s.api('GET', `/runs/${runId}`);
      return body.status === 'running' ? undefined : body;
    }, 90_000);
    expect(countsAddUp(run.counts)).toBe(true);
    return { runId, status: run.status as string, counts: run.counts as RunCounts };
  }

  /** What the simulator holds on the list named after the segment: member emails, sorted. */
  function onList(segment: string): string[] {
    const list = s.sim.sim.lists(TEST_API_KEY).find((l) => l.title === segment)!;
    return s.sim.sim.contacts(TEST_API_KEY).filter((c) => c.lists.includes(list.list_id)).map((c) => String(c.Email)).sort();
  }
  const listId = (segment: string) => s.sim.sim.lists(TEST_API_KEY).find((l) => l.title === segment)!.list_id;
  const removalsFrom = (segment: string) => s.sim.sim.stats(TEST_API_KEY).removalsByList[listId(segment)] ?? 0;
  const contactCount = () => s.sim.sim.contacts(TEST_API_KEY).length;
  const emails = (segment: string, ids: number[]) => ids.map((i) => email(segment, i)).sort();
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

  it('takes exactly the two members who left off the list, deletes no contact, and keeps memberships it never added', async () => {
    await members('Mirror', 20);
    const exportId = await mirrorExport('Mirror');
    expect((await runToEnd(exportId)).status).toBe('completed');
    expect(onList('Mirror')).toEqual(emails('Mirror', range(1, 20)));
    // Someone put a contact on the list in Autopilot itself: not the engine's to take off.
    const own = new AutopilotClient({ baseUrl: s.sim.url, apiKey: TEST_API_KEY });
    await own.upsertContacts([{ Email: 'outsider@example.com', _autopilot_list: listId('Mirror') }]);
    own.close();
    const contactsBefore = contactCount();

    await members('Mirror', 20, [4, 17]);
    const dryStart = await s.api('POST', `/exports/${exportId}/runs`, { dryRun: true });
    expect(dryStart.status).toBe(202);
    const dry = await finished(dryStart.body.runId as string);
    const { body: planned } = await s.api('GET', `/runs/${dry.runId}`);
    expect(planned.plan).toMatchObject({ toRemove: 2, removalsHeld: {} });
    const run = await runToEnd(exportId);

    expect(run.status).toBe('completed');
    // What the dry run said, what the run reports, and what the simulator did, all alike.
    expect(run.counts.removed).toBe(2);
    expect(onList('Mirror')).toEqual([...emails('Mirror', range(1, 20).filter((i) => i !== 4 && i !== 17)), 'outsider@example.com'].sort());
    expect(removalsFrom('Mirror')).toBe(2);
    expect(contactCount()).toBe(contactsBefore);
    expect(Object.keys(s.sim.sim.stats(TEST_API_KEY).byPath).filter((p) => p.startsWith('DELETE /contact'))).toEqual([]);
    const removals = await s.db.query('SELECT email, status FROM run_removals WHERE run_id = $1 ORDER BY seq', [run.runId]);
    expect(removals).toEqual([
      { email: email('Mirror', 17), status: 'removed' },
      { email: email('Mirror', 4), status: 'removed' },
    ]);
    // Forgotten as delivered: the next run plans no removal of them again.
    const next = await runToEnd(exportId);
    expect(await s.db.query('SELECT count(*)::int AS n FROM run_removals WHERE run_id = $1', [next.runId])).toEqual([{ n: 0 }]);
    expect(removalsFrom('Mirror')).toBe(2);
  });

  it('lets no contributor empty a list: mirror settings are admins\' and a run made full by a mapping change removes nothing', async () => {
    const shared = await s.api('POST', '/connections', {
      displayName: 'Shared', apiKey: TEST_API_KEY, usableBy: 'admins_and_contributors', privacyConsent: true, baseUrl: s.sim.url, requestsPerSecond: 20,
    });
    const { body: token } = await s.api('POST', '/tokens', { name: 'carl', role: 'contributor' });
    const asCarl = (method: string, path: string, body?: unknown) => s.api(method, path, body, token.token);
    const lines = range(1, 10).map((i) => JSON.stringify({ id: `Team-${i}`, segments: ['Team'], EmailAddress: email('Team', i), Work: `w${i}@work.example` }));
    await importProfiles(s.db, (async function* () {
      yield* lines;
    })());
    const base = { connectionId: shared.body.id, segmentIds: ['Team'], mapping: { email: 'EmailAddress' } };
    const adminExport = await s.api('POST', '/exports', { ...base, displayName: 'Admin mirror', removeWhenLeaving: true });
    expect((await runToEnd(adminExport.body.id)).status).toBe('completed');
    expect(onList('Team')).toEqual(emails('Team', range(1, 10)));

    // Mirror mode on, or a share that removes everything without approval: admins only.
    for (const body of [{ removeWhenLeaving: true }, { maxRemovalShare: 1 }]) {
      const refused = await asCarl('POST', '/exports', { ...base, displayName: 'Carl', ...body });
      expect(refused).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
      expect((await asCarl('PATCH', `/exports/${adminExport.body.id}`, { maxRemovalShare: 1, ...body })).status).toBe(403);
    }
    // Sent back as they are, or narrowed, they pass.
    expect((await asCarl('PATCH', `/exports/${adminExport.body.id}`, { removeWhenLeaving: true, maxRemovalShare: 0.05 })).status).toBe(200);

    // A new email attribute makes every delivered email look gone: the run is full and removes nothing.
    expect((await asCarl('PATCH', `/exports/${adminExport.body.id}`, { mapping: { email: 'Work' } })).status).toBe(200);
    const dry = await finished((await asCarl('POST', `/exports/${adminExport.body.id}/runs`, { dryRun: true })).body.runId);
    expect((await asCarl('GET', `/runs/${dry.runId}`)).body.plan).toMatchObject({ toRemove: 0, removalsHeld: { 'settings changed': 10 } });
    const full = await finished((await asCarl('POST', `/exports/${adminExport.body.id}/runs`)).body.runId);
    expect(full).toMatchObject({ status: 'completed', counts: { exported: 10 } });
    expect(full.counts.removed).toBeUndefined();
    expect(removalsFrom('Team')).toBe(0);
    // Nor does any later run: what the old settings delivered was forgotten, not left to be removed.
    expect((await runToEnd(adminExport.body.id)).counts.removed).toBeUndefined();
    expect(removalsFrom('Team')).toBe(0);
    expect(onList('Team')).toEqual([...emails('Team', range(1, 10)), ...range(1, 10).map((i) => `w${i}@work.example`)].sort());
  });

  /** A run of an export whose 2 of 4 delivered members left (50 %), and a new member: waits at the gate. */
  async function blockedRun(segment: string): Promise<{ exportId: string; runId: string; upsertsBefore: number }> {
    await members(segment, 4);
    const exportId = await mirrorExport(segment);
    expect((await runToEnd(exportId)).status).toBe('completed');
    await members(segment, 5, [1, 2]);
    const upsertsBefore = s.sim.sim.stats(TEST_API_KEY).upserts;
    const runId = await start(exportId);
    const phase = await until('the approval gate', async () => {
      const { body } = await s.api('GET', `/runs/${runId}`);
      return body.phase?.startsWith('blocked') ? (body.phase as string) : undefined;
    });
    expect(phase).toBe(`blocked: needs approval (2 removals from ${segment})`);
    return { exportId, runId, upsertsBefore };
  }

  it('pauses mid-removals after the removals in flight, and resumes to exactly the planned removals', async () => {
    await members('Paused', 40);
    const exportId = await mirrorExport('Paused');
    expect((await s.api('PATCH', `/exports/${exportId}`, { maxRemovalShare: 1 })).status).toBe(200);
    expect((await runToEnd(exportId)).status).toBe('completed');
    await members('Paused', 40, range(1, 30));
    // Slow enough that a slice (25 removals, four at a time) outlasts the heartbeat that carries the pause to it.
    s.sim.sim.setFaults({ latencyMs: 1_500 });
    try {
      const runId = await start(exportId);
      await until('the first removal', async () => (removalsFrom('Paused') > 0 ? true : undefined), 30_000);
      expect((await s.api('POST', `/runs/${runId}/pause`)).status).toBe(200);
      // Paused within its first slice, not once the slice ran out.
      const atPause = removalsFrom('Paused');
      expect(atPause).toBeLessThan(25);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(removalsFrom('Paused')).toBe(atPause);
      expect((await s.api('GET', `/runs/${runId}`)).body.phase).toBe('paused');

      expect((await s.api('POST', `/runs/${runId}/resume`)).status).toBe(200);
      const run = await finished(runId);
      expect(run.status).toBe('completed');
      expect(run.counts.removed).toBe(30);
      expect(removalsFrom('Paused')).toBe(30);
      expect(onList('Paused')).toEqual(emails('Paused', range(31, 40)));
      await recordHistories(s.client, exportWorkflowId(exportId), 'paused-mid-removals');
    } finally {
      s.sim.sim.setFaults({ latencyMs: 0 });
    }
  });

  it('blocks a run that would remove half of a list before it sends or removes anything; approval lets it go on', async () => {
    const { exportId, runId, upsertsBefore } = await blockedRun('Gated');

    const alert = await until('the blocked alert', async () => receiver.received.find((m) => m.runId === runId && m.event === 'blocked'));
    expect(alert).toMatchObject({ status: 'blocked', reason: expect.stringMatching(/2 of 4 from Gated.*approve-removals/) });
    expect(JSON.stringify(alert)).not.toMatch(/@example\.com/);
    // Held: nothing removed, nothing sent, for a while.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(removalsFrom('Gated')).toBe(0);
    expect(s.sim.sim.stats(TEST_API_KEY).upserts).toBe(upsertsBefore);
    expect(onList('Gated')).toEqual(emails('Gated', [1, 2, 3, 4]));
    expect((await s.api('GET', `/runs/${runId}`)).body.status).toBe('running');

    const approved = await s.api('POST', `/runs/${runId}/approve-removals`);
    expect(approved).toEqual({ status: 200, body: { runId, status: 'running', approvedBy: expect.any(String) } });
    const run = await finished(runId);

    expect(run.status).toBe('completed');
    expect(onList('Gated')).toEqual(emails('Gated', [3, 4, 5]));
    expect(removalsFrom('Gated')).toBe(2);
    expect((await s.api('POST', `/runs/${runId}/approve-removals`)).status).toBe(409);
    await recordHistories(s.client, exportWorkflowId(exportId), 'removals-approved');
  });

  it('ends a blocked run on cancel with nothing removed, so the next run plans the same removals', async () => {
    const { exportId, runId } = await blockedRun('Held');

    expect((await s.api('POST', `/runs/${runId}/cancel`)).status).toBe(202);
    const run = await finished(runId);

    expect(run.status).toBe('cancelled');
    expect(removalsFrom('Held')).toBe(0);
    expect(onList('Held')).toEqual(emails('Held', [1, 2, 3, 4]));
    expect(await s.db.query("SELECT count(*)::int AS n FROM run_removals WHERE run_id = $1 AND status <> 'pending'", [runId])).toEqual([{ n: 0 }]);
    const next = await start(exportId);
    await until('the next run at the gate', async () => ((await s.api('GET', `/runs/${next}`)).body.phase?.startsWith('blocked: needs approval') ? true : undefined));
    await s.api('POST', `/runs/${next}/cancel`);
    await finished(next);
  });
});
