import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../../activities/to-application-failure';
import { AutopilotClient, AutopilotError } from '../../../autopilot';
import { ErrorType } from '../../../domain/errors';
import { API_KEY, rejectionOf } from './fixtures';

/** A server that is not Autopilot: it answers 200 to anything, with whatever body the test sets. */
describe('AutopilotClient.getAccount against a server that is not Autopilot', () => {
  let server: http.Server;
  let answer: { body: string; type?: string };
  let client: AutopilotClient;
  let host: string;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': answer.type ?? 'application/json' });
      res.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new AutopilotClient({ baseUrl: `http://${host}/v1`, apiKey: API_KEY, timeoutMs: 2_000 });
  });
  afterAll(async () => {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const failureOf = async (body: string, type?: string): Promise<AutopilotError> => {
    answer = { body, type };
    const err = await rejectionOf(client.getAccount());
    expect(err).toBeInstanceOf(AutopilotError);
    return err as AutopilotError;
  };

  it('refuses `200 {}`, saying what it got', async () => {
    const err = await failureOf('{}');
    expect(err).toMatchObject({ kind: 'wrongService', status: 200 });
    expect(err.message).toBe(`The server at ${host} answered GET /account with JSON (no keys) that is not an Autopilot account`);
  });

  it('names the keys of an object that is not an account, never its values', async () => {
    const err = await failureOf(JSON.stringify({ status: 'ok', token: 'hunter2-secret', fullName: 'Ann Lee' }));
    expect(err.message).toBe(`The server at ${host} answered GET /account with JSON (keys: status, token, fullName) that is not an Autopilot account`);
    expect(err.message).not.toMatch(/hunter2|Ann Lee/);
  });

  it('does not show keys that could be data themselves, only counts them', async () => {
    const err = await failureOf(JSON.stringify({ 'ann@example.com': 1, [API_KEY]: 2, ok: true }));
    expect(err.message).toContain('(keys: ok, 2 more)');
    expect(err.message).not.toMatch(/@|ann/);
    expect(err.message).not.toContain(API_KEY);
  });

  it.each([
    ['<html>Welcome</html>', 'text/html', 'text'],
    ['[{"email":"ann@example.com"}]', undefined, 'a JSON array'],
    ['null', undefined, 'JSON null'],
    ['42', undefined, 'a JSON number'],
    ['', undefined, 'an empty body'],
  ])('describes %j by its type only', async (body, type, shape) => {
    const err = await failureOf(body, type);
    expect(err.message).toBe(`The server at ${host} answered GET /account with ${shape} that is not an Autopilot account`);
  });

  it('names the host only, not credentials or a query in the base URL', async () => {
    answer = { body: '{}' };
    const other = new AutopilotClient({ baseUrl: `http://user:pass-secret@${host}/v1?token=abc`, apiKey: API_KEY, timeoutMs: 2_000 });
    const err = (await rejectionOf(other.getAccount()).finally(() => other.close())) as Error;
    expect(err.message).toMatch(new RegExp(`^The server at ${host} answered`));
    expect(err.message).not.toMatch(/user|pass-secret|token|abc/);
  });

  it('refuses an account without an email', async () => {
    expect(await failureOf(JSON.stringify({ fullName: 'Ann Lee', email: '' }))).toMatchObject({ kind: 'wrongService' });
    expect(await failureOf(JSON.stringify({ fullName: 'Ann Lee' }))).toMatchObject({ kind: 'wrongService' });
  });

  it('accepts an account, with whatever other fields it has', async () => {
    answer = { body: JSON.stringify({ fullName: 'Ann Lee', email: 'ann@example.com', instanceId: 'x' }) };
    await expect(client.getAccount()).resolves.toMatchObject({ fullName: 'Ann Lee', email: 'ann@example.com' });
  });

  it('fails the activity without retries: asking the wrong server again will not help', async () => {
    const failure = toApplicationFailure(await failureOf('{}')) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ nonRetryable: true, type: ErrorType.WrongService });
  });
});
