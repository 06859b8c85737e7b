import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { SIGNATURE_HEADER, signAlert, TIMESTAMP_HEADER, WEBHOOK_ID_HEADER, type AlertMessage } from '../../activities';
import { createRunLauncher } from '../../api/run-launcher';
import { createRunReconciler } from '../../api/run-reconciler';
import type { AlertEvent } from '../../domain/export';
import { alertTaskQueue, exportWorkflowId } from '../../domain/ids';
import { getRun } from '../../store/run-queries';
import { deliverRunAlert } from '../../workflows';
import { startApiStack, type ApiStack } from '../helpers/api-stack';
import { until } from '../helpers/assertions';
import { buildProfiles, loadProfiles } from '../helpers/profiles';
import { TEST_API_KEY } from '../helpers/stack';
import { startTrickleServer } from '../helpers/trickle-server';
import { recordHistories } from '../helpers/history';

interface Received {
  body: string;
  message: AlertMessage;
  headers: IncomingHttpHeaders;
}

/** A webhook receiver on loopback that records what it gets, and can answer 500 a few times first. */
async function startReceiver() {
  const received: Received[] = [];
  const state = { failuresLeft: 0, attempts: 0, ids: [] as string[] };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      state.attempts++;
      state.ids.push(String(req.headers[WEBHOOK_ID_HEADER]));
      if (state.failuresLeft > 0) {
        state.failuresLeft--;
        res.writeHead(500).end('receiver down');
        return;
      }
      received.push({ body, message: JSON.parse(body), headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What an off-the-shelf Standard Webhooks verifier makes of it (throws when the signature is wrong or old). */
const verified = (secret: string, alert: Received) => new Webhook(secret).verify(alert.body, alert.headers as Record<string, string>);

/** Short, so a slow receiver's test is quick; every delivery must end by it. */
const DELIVERY_DEADLINE_MS = 2_000;

describe('alerts', () => {
  let s: ApiStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    s = await startApiStack({
      sweepIntervalMs: 1_000,
      // Few slots, so a delivery that held one for long would visibly hold up runs.
      worker: { slots: { activities: 4, alertDeliveries: 2 }, alertDeliveryDeadlineMs: DELIVERY_DEADLINE_MS },
    });
    receiver = await startReceiver();
    await loadProfiles(s.db, buildProfiles(600));
  });
  beforeEach(() => {
    s.sim.sim.reset();
    // The blocked test revokes it; a reset keeps keys as they are.
    s.sim.sim.addKey(TEST_API_KEY);
  });
  afterAll(async () => {
    await receiver?.close();
    await s?.close();
  });

  async function exportWithAlerts(
    options: { requestsPerSecond?: number; webhookUrl?: string; events?: AlertEvent[] } = {},
  ): Promise<{ exportId: string; connectionId: string; secret: string }> {
    const connection = await s.api('POST', '/connections', {
      displayName: 'Sim', apiKey: TEST_API_KEY, usableBy: 'admins', privacyConsent: true, baseUrl: s.sim.url, requestsPerSecond: options.requestsPerSecond ?? 20,
    });
    const created = await s.api('POST', '/exports', {
      displayName: 'Alerted', connectionId: connection.body.id, segmentIds: ['A', 'B'], mapping: { email: 'EmailAddress' },
      alerts: { webhookUrl: options.webhookUrl ?? receiver.url, events: options.events ?? ['completed', 'failed', 'cancelled', 'blocked'] },
    });
    expect(created).toMatchObject({ status: 201, body: {} });
    expect(created.body.alertSigningSecret).toMatch(/^whsec_/);
    expect((await s.api('GET', `/exports/${created.body.id}`)).body.alertSigningSecret).toBeUndefined();
    return { exportId: created.body.id, connectionId: connection.body.id, secret: created.body.alertSigningSecret };
  }

  const alertsFor = (runId: string, event: string) => receiver.received.filter((r) => r.message.runId === runId && r.message.event === event);
  const alertFor = (runId: string, event: string) => until(`the ${event} alert`, async () => alertsFor(runId, event)[0], 60_000);
  const runStatus = async (runId: string) => (await s.api('GET', `/runs/${runId}`)).body.status as string;

  it('signs a message when a run completes, retrying a receiver that answers 500 under the same id, without failing the run', async () => {
    const { exportId, secret } = await exportWithAlerts();
    receiver.state.failuresLeft = 1;
    const attemptsBefore = receiver.state.ids.length;
    const { runId } = (await s.api('POST', `/exports/${exportId}/runs`)).body;

    const alert = await alertFor(runId, 'completed');

    expect(verified(secret, alert)).toMatchObject({ runId, event: 'completed' });
    expect(alert.headers[SIGNATURE_HEADER]).toBe(signAlert(secret, String(alert.headers[TIMESTAMP_HEADER]), alert.body));
    expect(alert.message).toMatchObject({ exportId, exportName: 'Alerted', status: 'completed', link: `http://localhost:3000/runs/${runId}` });
    expect(alert.message.counts?.pending).toBe(0);
    // The 500 and the retry carried one id: a receiver dedupes on it.
    const ids = receiver.state.ids.slice(attemptsBefore).filter((id) => id.startsWith(`alert-${runId}-completed-`));
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ids)).toEqual(new Set([alert.headers[WEBHOOK_ID_HEADER]]));
    expect(await runStatus(runId)).toBe('completed');
    await recordHistories(s.client, String(alert.headers[WEBHOOK_ID_HEADER]), 'alert-retried');
  });

  it('tells when a run fails, with the reason', async () => {
    const { exportId, connectionId } = await exportWithAlerts();
    await s.connections.update(connectionId, { apiKey: 'ffffffffffffffffffffffffffffffff' });
    const { runId } = (await s.api('POST', `/exports/${exportId}/runs`)).body;

    const alert = await alertFor(runId, 'failed');

    expect(alert.message.status).toBe('failed');
    expect(alert.message.reason).toMatch(/401/);
  });

  it('tells when a run is blocked on a revoked key, since that needs a person', async () => {
    const { exportId, secret } = await exportWithAlerts({ requestsPerSecond: 2 });
    const { runId } = (await s.api('POST', `/exports/${exportId}/runs`)).body;
    await until('a first batch', async () => (s.sim.sim.stats(TEST_API_KEY).upserts > 0 ? true : undefined));
    s.sim.sim.revokeKey(TEST_API_KEY);

    await until('the blocked phase', async () => ((await s.api('GET', `/runs/${runId}`)).body.phase?.startsWith('blocked') ? true : undefined));
    const alert = await alertFor(runId, 'blocked');

    expect(verified(secret, alert)).toMatchObject({ status: 'blocked' });
    expect(alert.message).toMatchObject({ status: 'blocked', reason: expect.stringMatching(/replace it/) });
    expect(JSON.stringify(alert.message)).not.toMatch(/@example\.com/);
    await s.api('POST', `/runs/${runId}/cancel`);
    await alertFor(runId, 'cancelled');
  });

  it('tells once, as failed, when a run is terminated in Temporal, however many reconcilers find it', async () => {
    const { exportId, secret } = await exportWithAlerts({ requestsPerSecond: 2 });
    const { runId } = (await s.api('POST', `/exports/${exportId}/runs`)).body;
    await until('a first batch', async () => (s.sim.sim.stats(TEST_API_KEY).upserts > 0 ? true : undefined));
    const open = await getRun(s.db, runId);
    await s.client.workflow.getHandle(exportWorkflowId(exportId), undefined, { firstExecutionRunId: open!.workflowRunId! }).terminate('stopped by an operator');

    // A second API process reconciling the same run at the same moment as this one (besides the sweep).
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const other = createRunReconciler({ db: s.db, runs: createRunLauncher({ client: s.client, db: s.db, taskQueue: s.taskQueue }), logger: quiet });
    await Promise.all([other.reconcile(open!), s.reconciler.reconcile(open!)]);
    const alert = await alertFor(runId, 'failed');

    expect(verified(secret, alert)).toMatchObject({ runId, event: 'failed', status: 'terminated' });
    expect(alert.message.reason).toBe('Terminated in Temporal: stopped by an operator');
    expect(alert.message.counts?.pending).toBeGreaterThan(0);
    expect(alert.headers[WEBHOOK_ID_HEADER]).toBe(`alert-${runId}-failed`);
    expect(await runStatus(runId)).toBe('terminated');
    await new Promise((r) => setTimeout(r, 3_000));
    expect(alertsFor(runId, 'failed')).toHaveLength(1);
  });

  it('holds a slot for a receiver that answers a byte every 5 s only until the deadline, while runs started meanwhile go on', async () => {
    const trickle = await startTrickleServer(5_000);
    try {
      const slow = await exportWithAlerts({ webhookUrl: trickle.url, events: ['completed'] });
      const { runId } = (await s.api('POST', `/exports/${slow.exportId}/runs`)).body;
      await until('the first delivery to the slow receiver', async () => (trickle.connections.length > 0 ? true : undefined));
      // More deliveries than the alert queue (2) or the main queue (4) has slots.
      const deliveries = Array.from({ length: 6 }, (_, i) => `alert-${runId}-completed-trickled-${i}`);
      for (const workflowId of deliveries) {
        await s.client.workflow.start(deliverRunAlert, { taskQueue: s.taskQueue, workflowId, args: [{ exportId: slow.exportId, runId, event: 'completed' }] });
      }
      await until('both alert slots held', async () => (trickle.connections.filter((c) => !c.closedAt).length >= 2 ? true : undefined));

      const { exportId } = await exportWithAlerts({ events: ['failed'] });
      const started = Date.now();
      const { runId: meanwhile } = (await s.api('POST', `/exports/${exportId}/runs`)).body;
      await until('the run started meanwhile to complete', async () => ((await runStatus(meanwhile)) === 'completed' ? true : undefined), 45_000);
      const finished = Date.now();

      expect((await s.api('GET', `/runs/${meanwhile}`)).body.counts).toMatchObject({ pending: 0, exported: expect.any(Number) });
      // The slow receiver held deliveries while the run went on…
      expect(trickle.connections.some((c) => c.openedAt < finished && (c.closedAt ?? finished) > started)).toBe(true);
      expect(finished - started).toBeLessThan(30_000);
      // …each for the deadline at most: the two alert slots went round every delivery.
      await until('every delivery tried', async () => (trickle.connections.length >= 1 + deliveries.length ? true : undefined), 30_000);
      expect(trickle.longestHeldMs()).toBeLessThan(DELIVERY_DEADLINE_MS + 1_500);
      const { events } = await s.client.workflow.getHandle(deliveries[0]).fetchHistory();
      const scheduled = events?.find((e) => e.activityTaskScheduledEventAttributes)?.activityTaskScheduledEventAttributes;
      expect(scheduled?.taskQueue?.name).toBe(alertTaskQueue(s.taskQueue));
      await Promise.all(deliveries.map((id) => s.client.workflow.getHandle(id).terminate('test over')));
    } finally {
      await trickle.close();
    }
  });
});
