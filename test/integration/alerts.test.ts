import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, signAlert, TIMESTAMP_HEADER, type AlertMessage } from '../../activities';
import { startApiStack, type ApiStack } from '../helpers/api-stack';
import { until } from '../helpers/assertions';
import { buildProfiles, loadProfiles } from '../helpers/profiles';
import { TEST_API_KEY } from '../helpers/stack';

interface Received {
  body: string;
  message: AlertMessage;
  timestamp: string;
  signature: string;
}

/** A webhook receiver on loopback that records what it gets, and can answer 500 a few times first. */
async function startReceiver() {
  const received: Received[] = [];
  const state = { failuresLeft: 0, attempts: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      state.attempts++;
      if (state.failuresLeft > 0) {
        state.failuresLeft--;
        res.writeHead(500).end('receiver down');
        return;
      }
      received.push({ body, message: JSON.parse(body), timestamp: String(req.headers[TIMESTAMP_HEADER]), signature: String(req.headers[SIGNATURE_HEADER]) });
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

describe('alerts', () => {
  let s: ApiStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    s = await startApiStack();
    receiver = await startReceiver();
    await loadProfiles(s.db, buildProfiles(600));
  });
  beforeEach(() => s.sim.sim.reset());
  afterAll(async () => {
    await receiver?.close();
    await s?.close();
  });

  async function exportWithAlerts(requestsPerSecond = 20): Promise<{ exportId: string; connectionId: string; secret: string }> {
    const connection = await s.api('POST', '/connections', {
      displayName: 'Sim', apiKey: TEST_API_KEY, usableBy: 'admins', privacyConsent: true, baseUrl: s.sim.url, requestsPerSecond,
    });
    const created = await s.api('POST', '/exports', {
      displayName: 'Alerted', connectionId: connection.body.id, segmentIds: ['A', 'B'], mapping: { email: 'EmailAddress' },
      alerts: { webhookUrl: receiver.url, events: ['completed', 'failed', 'cancelled', 'blocked'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.alertSigningSecret).toMatch(/^whsec_/);
    expect((await s.api('GET', `/exports/${created.body.id}`)).body.alertSigningSecret).toBeUndefined();
    return { exportId: created.body.id, connectionId: connection.body.id, secret: created.body.alertSigningSecret };
  }

  const alertFor = (runId: string, event: string) =>
    until(`the ${event} alert`, async () => receiver.received.find((r) => r.message.runId === runId && r.message.event === event), 60_000);

  it('signs a message when a run completes, retrying a receiver that answers 500 without failing the run', async () => {
    const { exportId, secret } = await exportWithAlerts();
    receiver.state.failuresLeft = 1;
    const { runId } = (await s.api('POST', `/exports/${exportId}/runs`)).body;

    const alert = await alertFor(runId, 'completed');

    expect(alert.signature).toBe(signAlert(secret, alert.timestamp, alert.body));
    expect(alert.message).toMatchObject({ exportId, exportName: 'Alerted', status: 'completed', link: `http://localhost:3000/runs/${runId}` });
    expect(alert.message.counts?.pending).toBe(0);
    expect(receiver.state.attempts).toBeGreaterThanOrEqual(2);
    expect((await s.api('GET', `/runs/${runId}`)).body.status).toBe('completed');
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
    const { exportId, secret } = await exportWithAlerts(2);
    const { runId } = (await s.api('POST', `/exports/${exportId}/runs`)).body;
    await until('a first batch', async () => (s.sim.sim.stats(TEST_API_KEY).upserts > 0 ? true : undefined));
    s.sim.sim.revokeKey(TEST_API_KEY);

    await until('the blocked phase', async () => ((await s.api('GET', `/runs/${runId}`)).body.phase?.startsWith('blocked') ? true : undefined));
    const alert = await alertFor(runId, 'blocked');

    expect(alert.signature).toBe(signAlert(secret, alert.timestamp, alert.body));
    expect(alert.message).toMatchObject({ status: 'blocked', reason: expect.stringMatching(/replace it/) });
    expect(JSON.stringify(alert.message)).not.toMatch(/@example\.com/);
    await s.api('POST', `/runs/${runId}/cancel`);
    await alertFor(runId, 'cancelled');
  });
});
