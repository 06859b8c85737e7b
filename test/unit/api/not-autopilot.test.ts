import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectionBody, createConnection } from './fixtures';
import { createHarness, GOOD_KEY, json, type Harness, HARNESS_TIMEOUT } from './harness';

/** Answers `200 {"status":"ok"}` to everything, as many a server does: reachable, but not Autopilot. */
let other: http.Server;
let otherUrl: string;
let h: Harness;
beforeAll(async () => {
  other = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok' }));
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/v1`;
  h = await createHarness();
}, HARNESS_TIMEOUT);
beforeEach(() => h.reset());
afterAll(async () => {
  await h.close();
  await new Promise((resolve) => other.close(resolve));
});

const count = async () => (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM connections'))[0].n;

describe('a base URL whose server is not Autopilot', () => {
  it('is a 502 on create that says what the server answered, and nothing is saved', async () => {
    const res = await h.call('admin', 'POST', '/connections', connectionBody(h, { baseUrl: otherUrl }));
    expect(res.status).toBe(502);
    const { error } = await json(res);
    expect(error.code).toBe('wrong_service');
    expect(error.message).toBe(`The server at ${new URL(otherUrl).host} answered GET /account with JSON (keys: status) that is not an Autopilot account`);
    expect(await count()).toBe(0);
  });

  it('is a 502 on a change of base URL, which is then not made', async () => {
    const id = await createConnection(h);
    const res = await h.call('admin', 'PATCH', `/connections/${id}`, { baseUrl: otherUrl, apiKey: GOOD_KEY });
    expect(res.status).toBe(502);
    expect((await json(res)).error.code).toBe('wrong_service');
    expect((await json(await h.call('admin', 'GET', `/connections/${id}`))).baseUrl).toBe(h.sim.url);
  });
});
