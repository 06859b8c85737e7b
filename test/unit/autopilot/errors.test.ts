import axios, { AxiosError, AxiosHeaders, CanceledError, type AxiosResponse } from 'axios';
import { AutopilotError, parseRetryAfter, toAutopilotError } from '../../../autopilot';

const KEY = 'feedfacefeedfacefeedfacefeedface';

function httpError(status: number, data: unknown, headers: Record<string, string> = {}): AxiosError {
  const config = { headers: new AxiosHeaders({ autopilotapikey: KEY }), timeout: 1000 };
  const response = { status, statusText: '', data, headers, config } as unknown as AxiosResponse;
  return new AxiosError(`Request failed with status code ${status}`, 'ERR_BAD_RESPONSE', config, {}, response);
}

function transportError(code: string, message = code): AxiosError {
  return new AxiosError(message, code, { headers: new AxiosHeaders(), timeout: 1000 });
}

describe('toAutopilotError', () => {
  it.each([
    [401, { error: 'Unauthorized', message: 'Provided autopilotapikey not valid.' }, 'auth'],
    [403, { error: 'Forbidden' }, 'auth'],
    [400, { error: 'Bad Request', message: 'No autopilotapikey header provided.' }, 'auth'],
    [400, { error: 'Bad Request', message: 'Invalid contact data.' }, 'rejected'],
    [413, '', 'rejected'],
    [422, {}, 'rejected'],
    [404, '', 'notFound'],
    [429, { error: 'Too Many Requests' }, 'rateLimited'],
    [408, '', 'unavailable'],
    [500, { error: 'Internal Server Error', message: '(various)' }, 'unavailable'],
    [503, '<html>busy</html>', 'unavailable'],
  ])('classifies HTTP %i as the right kind', (status, body, kind) => {
    const err = toAutopilotError(httpError(status, body));
    expect(err).toBeInstanceOf(AutopilotError);
    expect(err).toMatchObject({ kind, status, name: 'AutopilotError' });
  });

  it.each([
    ['ECONNABORTED', 'timeout of 1000ms exceeded', 'timeout'],
    ['ETIMEDOUT', 'timeout', 'timeout'],
    ['ECONNRESET', 'read ECONNRESET', 'network'],
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9', 'network'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND api2.autopilothq.com', 'network'],
    ['EPIPE', 'write EPIPE', 'network'],
  ])('classifies transport code %s', (code, message, kind) => {
    const err = toAutopilotError(transportError(code, message));
    expect(err.kind).toBe(kind);
    expect(err.status).toBeUndefined();
    expect(err.message).not.toContain('127.0.0.1');
  });

  it('classifies "socket hang up" as network', () => {
    expect(toAutopilotError(new AxiosError('socket hang up')).kind).toBe('network');
  });

  it('rethrows cancellation unchanged', () => {
    const cancel = new CanceledError();
    expect(() => toAutopilotError(cancel)).toThrow(cancel);
    expect(axios.isCancel(cancel)).toBe(true);
  });

  it('builds the message from status and body, without key, emails or URL', () => {
    const body = { error: 'Bad Request', message: `Contact ann@example.com rejected for key ${KEY}` };
    const err = toAutopilotError(httpError(400, body));
    expect(err.message).toBe('Autopilot answered 400 Bad Request: Contact [redacted] rejected for key [redacted]');
  });

  it('handles an empty body and truncates long messages', () => {
    expect(toAutopilotError(httpError(502, '')).message).toBe('Autopilot answered 502');
    const long = toAutopilotError(httpError(500, { error: 'Internal Server Error', message: 'x'.repeat(1000) }));
    expect(long.message.length).toBeLessThanOrEqual(200);
  });

  it('reads Retry-After in seconds into retryAfterMs', () => {
    expect(toAutopilotError(httpError(429, '', { 'retry-after': '3' })).retryAfterMs).toBe(3_000);
    expect(toAutopilotError(httpError(429, '')).retryAfterMs).toBeUndefined();
  });

  it('returns an AutopilotError as it is', () => {
    const original = new AutopilotError('rejected', 'too many');
    expect(toAutopilotError(original)).toBe(original);
  });
});

describe('parseRetryAfter', () => {
  it('accepts delta-seconds and HTTP dates, and ignores garbage', () => {
    const now = Date.parse('2024-05-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2_000);
    expect(parseRetryAfter('Wed, 01 May 2024 00:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Tue, 30 Apr 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
