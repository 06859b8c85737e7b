import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertPostError, postAlert } from '../../../activities/post-alert';
import { createOutboundPolicy } from '../../../outbound/policy';
import { startTrickleServer } from '../../helpers/trickle-server';

const agents = createOutboundPolicy(['127.0.0.1']).agents({ keepAlive: false });
const post = (url: string, deadlineMs: number, signal = new AbortController().signal) =>
  postAlert({ url, body: '{}', headers: {}, deadlineMs, signal, agents });

describe('posting an alert', () => {
  let trickle: Awaited<ReturnType<typeof startTrickleServer>>;
  beforeAll(async () => (trickle = await startTrickleServer(300)));
  afterAll(() => trickle.close());

  it('gives up at its deadline on a receiver that answers a byte at a time, and closes the connection', async () => {
    const started = Date.now();
    await expect(post(trickle.url, 800)).rejects.toThrow(new AlertPostError('did not answer within 0.8 s'));
    expect(Date.now() - started).toBeLessThan(2_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(trickle.connections.at(-1)?.closedAt).toBeDefined();
  });

  it('stops when the activity is cancelled, with the cancellation as the reason', async () => {
    const cancel = new AbortController();
    const reason = new Error('activity cancelled');
    setTimeout(() => cancel.abort(reason), 200);
    const started = Date.now();
    await expect(post(trickle.url, 10_000, cancel.signal)).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('answers the status without reading a body that never ends', async () => {
    const server: Server = createServer((_req, res) => {
      res.writeHead(202, { 'content-type': 'text/plain' });
      setInterval(() => res.write('x'.repeat(64 * 1024)), 10).unref();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      await expect(post(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, 5_000)).resolves.toBe(202);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('connects only where the outbound policy allows, even when a listed name resolves elsewhere', async () => {
    const rebound = createOutboundPolicy(['hooks.example.test'], ((_host: string, _options: unknown, callback: (e: null, a: { address: string; family: number }[]) => void) =>
      callback(null, [{ address: '127.0.0.1', family: 4 }])) as never);
    await expect(
      postAlert({ url: 'https://hooks.example.test/x', body: '{}', headers: {}, deadlineMs: 2_000, signal: new AbortController().signal, agents: rebound.agents() }),
    ).rejects.toThrow(/could not be reached \(EOUTBOUNDREFUSED\)/);
  });
});
