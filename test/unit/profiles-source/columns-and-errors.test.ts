import { AxiosError, AxiosHeaders } from 'axios';
import { ColumnNames } from '../../../profiles-source/dataverse/columns';
import { dataError, parseRetryAfter, tokenError } from '../../../profiles-source/dataverse/errors';
import { membershipFilter } from '../../../profiles-source/dataverse/source';

const ctx = { tenantId: 'contoso.onmicrosoft.com', clientId: 'app-1', host: 'login.example', secret: 's3cr3t-value' };

function responseError(status: number, data: unknown, headers: Record<string, string> = {}): AxiosError {
  const config = { headers: new AxiosHeaders() };
  return new AxiosError('failed', 'ERR_BAD_RESPONSE', config, {}, { status, statusText: '', data, headers, config });
}

describe('Dataverse column names', () => {
  const columns = new ColumnNames(['msdynci_customerid', 'msdynci_emailaddress', 'contoso_tier', 'msdynci_city', 'city', '@odata.etag']);

  it('strips msdynci_, keeps other publishers, and keeps the full name when the short one is taken', () => {
    expect(columns.attributes()).toEqual(['city', 'contoso_tier', 'emailaddress', 'msdynci_city']);
    expect(columns.columnOf('emailaddress')).toBe('msdynci_emailaddress');
    expect(columns.columnOf('EmailAddress')).toBe('msdynci_emailaddress');
    expect(columns.columnOf('city')).toBe('city');
    expect(columns.columnOf('msdynci_city')).toBe('msdynci_city');
    expect(columns.columnOf('customerid')).toBeUndefined();
  });

  it('turns a row into attributes without annotations, the key or empty columns', () => {
    const row = { '@odata.etag': 'W/"1"', msdynci_customerid: 'c1', msdynci_emailaddress: 'a@example.com', contoso_tier: null, 'msdynci_city@OData.Community.Display.V1.FormattedValue': 'x' };
    expect(columns.toAttributes(row)).toEqual({ emailaddress: 'a@example.com' });
  });
});

describe('Dataverse errors', () => {
  it('never repeats a secret that Entra ID would echo', () => {
    const err = tokenError(responseError(400, { error: 'invalid_request', error_description: 'AADSTS1: bad value s3cr3t-value here\r\nTrace ID: 1' }), ctx);
    expect(err.message).not.toContain('s3cr3t-value');
    expect(err.message).not.toContain('Trace ID');
    expect(err).toMatchObject({ kind: 'auth', retryable: false });
  });

  it('makes Entra 5xx and 429 retryable', () => {
    expect(tokenError(responseError(503, ''), ctx)).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(tokenError(responseError(429, '', { 'retry-after': '7' }), ctx)).toMatchObject({ kind: 'rateLimited', retryAfterMs: 7_000 });
  });

  it.each([
    [401, 'auth', false],
    [403, 'forbidden', false],
    [404, 'notFound', false],
    [400, 'rejected', false],
    [429, 'rateLimited', true],
    [503, 'unavailable', true],
  ] as const)('classifies a Dataverse %i as %s', (status, kind, retryable) => {
    expect(dataError(responseError(status, { error: { message: 'x' } }), ctx, 'GET t')).toMatchObject({ kind, retryable, status });
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('2')).toBe(2_000);
    expect(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('quotes segment names as the documented contains filter, escaping single quotes', () => {
    expect(membershipFilter('VIP')).toBe(`contains(msdynci_segments,'"VIP"')`);
    expect(membershipFilter("O'Brien fans")).toBe(`contains(msdynci_segments,'"O''Brien fans"')`);
  });
});
