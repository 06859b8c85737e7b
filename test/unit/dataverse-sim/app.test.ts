import { createDataverseSim, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID, loadSimEnv, type DataverseSim } from '../../../dataverse-sim';

const ORIGIN = 'http://localhost';
const API = '/api/data/v9.2';

function tokenRequest(sim: DataverseSim, fields: Record<string, string>, tenant = DEMO_TENANT_ID) {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: DEMO_CLIENT_ID,
    client_secret: DEMO_CLIENT_SECRET,
    scope: `${ORIGIN}/.default`,
    ...fields,
  });
  return sim.app.request(`/${tenant}/oauth2/v2.0/token`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
}

async function token(sim: DataverseSim): Promise<string> {
  return ((await (await tokenRequest(sim, {})).json()) as { access_token: string }).access_token;
}

async function get(sim: DataverseSim, path: string, bearer: string, pageSize?: number) {
  const headers: Record<string, string> = { Authorization: `Bearer ${bearer}` };
  if (pageSize) headers.Prefer = `odata.maxpagesize=${pageSize}`;
  const url = path.startsWith('http') ? path.slice(ORIGIN.length) : `${API}/${path}`;
  return sim.app.request(url, { headers });
}

type Page = { value: Record<string, unknown>[]; '@odata.nextLink'?: string };

describe('the Dataverse fake: token endpoint', () => {
  const sim = createDataverseSim({ demoCustomers: 100, tokenLifetimeSeconds: 120 });

  it('issues a bearer token for client credentials', async () => {
    const res = await tokenRequest(sim, {});
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ token_type: 'Bearer', expires_in: 120, access_token: expect.any(String) });
  });

  it.each([
    ['an unknown tenant', {}, 'unknown.onmicrosoft.com', 400, 'invalid_request', 90002],
    ['a wrong secret', { client_secret: 'nope' }, DEMO_TENANT_ID, 401, 'invalid_client', 7000215],
    ['no secret', { client_secret: '' }, DEMO_TENANT_ID, 401, 'invalid_client', 7000218],
    ['an unknown client', { client_id: 'other' }, DEMO_TENANT_ID, 400, 'unauthorized_client', 700016],
    ['another grant', { grant_type: 'password' }, DEMO_TENANT_ID, 400, 'unsupported_grant_type', 70003],
    ['a bad scope', { scope: 'openid' }, DEMO_TENANT_ID, 400, 'invalid_scope', 70011],
  ])('refuses %s like Entra ID', async (_what, fields, tenant, status, error, code) => {
    const res = await tokenRequest(sim, fields, tenant);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: string; error_codes: number[]; error_description: string };
    expect(body).toMatchObject({ error, error_codes: [code] });
    expect(body.error_description).toMatch(new RegExp(`^AADSTS${code}: .*\\r\\nTrace ID`));
  });
});

describe('the Dataverse fake: tables', () => {
  let sim: DataverseSim;
  let bearer: string;
  beforeEach(async () => {
    sim = createDataverseSim({ demoCustomers: 30_000 });
    bearer = await token(sim);
  });

  it('pages a 12,000-member segment by 5,000 with opaque paging cookies, the default and the maximum', async () => {
    const filter = encodeURIComponent(`contains(msdynci_segments,'"Newsletter_Subscribers"')`);
    const sizes: number[] = [];
    let link: string | undefined = `msdynci_segmentmemberships?$select=msdynci_customerid&$filter=${filter}`;
    const seen = new Set<unknown>();
    for (let pageSize = 10_000; link; pageSize = 0) {
      const res = await get(sim, link, bearer, pageSize || undefined);
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page;
      sizes.push(page.value.length);
      page.value.forEach((row) => seen.add(row.msdynci_customerid));
      expect(Object.keys(page.value[0]).sort()).toEqual(['@odata.etag', 'msdynci_customerid']);
      link = page['@odata.nextLink'];
      if (link) expect(decodeURIComponent(new URL(link).searchParams.get('$skiptoken')!)).toMatch(/^<cookie pagenumber="\d+" pagingcookie="/);
    }
    expect(sizes).toEqual([5_000, 5_000, 2_000]);
    expect(seen.size).toBe(12_000);
  });

  it('honours a smaller odata.maxpagesize and says so', async () => {
    const res = await get(sim, 'msdynci_customerprofiles?$select=msdynci_emailaddress', bearer, 3);
    expect(res.headers.get('Preference-Applied')).toBe('odata.maxpagesize=3');
    const page = (await res.json()) as Page;
    expect(page.value).toHaveLength(3);
    expect(Object.keys(page.value[0]).sort()).toEqual(['@odata.etag', 'msdynci_customerid', 'msdynci_emailaddress']);
  });

  it('looks customers up by id with or-ed eq terms', async () => {
    const first = ((await (await get(sim, 'msdynci_customerprofiles', bearer, 2)).json()) as Page).value.map((r) => r.msdynci_customerid);
    const filter = encodeURIComponent(first.map((id) => `msdynci_customerid eq '${id}'`).join(' or ') + ` or msdynci_customerid eq 'none'`);
    const page = (await (await get(sim, `msdynci_customerprofiles?$filter=${filter}`, bearer)).json()) as Page;
    expect(page.value.map((r) => r.msdynci_customerid)).toEqual(first);
  });

  it.each([
    ['$skip', 'msdynci_customerprofiles?$skip=10', /\$skip is not supported/],
    ['$top (not used by the client)', 'msdynci_customerprofiles?$top=1', /not supported/],
    ['an unknown column', 'msdynci_customerprofiles?$select=nope', /Could not find a property named 'nope'/],
    ['another filter shape', `msdynci_customerprofiles?$filter=${encodeURIComponent("startswith(msdynci_firstname,'A')")}`, /not one of the supported shapes/],
    ['a forged skiptoken', 'msdynci_customerprofiles?$skiptoken=abc', /paging cookie/],
  ])('answers 400 to %s', async (_what, path, message) => {
    const res = await get(sim, path, bearer);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
  });

  it('answers 401 without a token, with an unknown one and once tokens expire', async () => {
    expect((await sim.app.request(`${API}/msdynci_customerprofiles`)).status).toBe(401);
    expect((await get(sim, 'msdynci_customerprofiles', 'forged')).status).toBe(401);
    expect((await get(sim, 'msdynci_customerprofiles', bearer, 1)).status).toBe(200);
    sim.sim.expireTokens();
    const res = await get(sim, 'msdynci_customerprofiles', bearer, 1);
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toMatch(/invalid_token/);
    expect(sim.sim.stats()).toMatchObject({ unauthorized: 3, tokensIssued: 1 });
  });

  it('answers 429 with Retry-After past the limit, and counts requests that come before it passed', async () => {
    sim.sim.setFaults({ rateLimit: { requests: 1, windowMs: 60_000 } });
    expect((await get(sim, 'msdynci_customerprofiles', bearer, 1)).status).toBe(200);
    const limited = await get(sim, 'msdynci_customerprofiles', bearer, 1);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThanOrEqual(59);
    expect((await get(sim, 'msdynci_customerprofiles', bearer, 1)).status).toBe(429);
    expect(sim.sim.stats()).toMatchObject({ rateLimited: 2, earlyRequests: 1, served: 1 });
  });

  it('injects 5xx on demand and counts repeated pages', async () => {
    sim.sim.failNext(1, 500);
    expect((await get(sim, 'msdynci_customerprofiles', bearer, 1)).status).toBe(500);
    await get(sim, 'msdynci_customerprofiles', bearer, 1);
    await get(sim, 'msdynci_customerprofiles', bearer, 1);
    expect(sim.sim.stats()).toMatchObject({ serverErrors: 1, pagesServed: 2, repeatedPages: 1 });
  });
});

describe('the Dataverse fake: contains() is SQL LIKE, as in Dataverse', () => {
  const names = ['%', 'a_b', 'axb', '[x]', 'VIP', 'vip', "O'Brien"];
  const sim = createDataverseSim({ customers: names.map((name, i) => ({ id: `c-${i}`, segments: [name], columns: {} })) });
  let bearer: string;
  beforeAll(async () => {
    bearer = await token(sim);
  });

  /** The segments of the rows `contains(msdynci_segments, <text>)` finds. */
  async function found(text: string): Promise<string[]> {
    const filter = encodeURIComponent(`contains(msdynci_segments,'${text.replace(/'/g, "''")}')`);
    const page = (await (await get(sim, `msdynci_segmentmemberships?$filter=${filter}`, bearer)).json()) as Page;
    return page.value.map((row) => (JSON.parse(String(row.msdynci_segments)) as string[])[0]);
  }

  it.each([
    ['an unescaped % matches every row', '"%"', names],
    ['[%] is a percent sign', '"[%]"', ['%']],
    ['_ is any one character', '"a_b"', ['a_b', 'axb']],
    ['[_] is an underscore', '"a[_]b"', ['a_b']],
    ['[[] is an opening bracket', '"[[]x]"', ['[x]']],
    ['[…] is one of a set', '"[x]"', []],
    ['a [ never closed matches nothing', '"[x', []],
    ['case is ignored', '"vip"', ['VIP', 'vip']],
    ['a quote is itself', `"O'Brien"`, ["O'Brien"]],
  ])('%s', async (_rule, text, segments) => {
    expect((await found(text)).sort()).toEqual([...segments].sort());
  });
});

describe('the Dataverse fake: environment', () => {
  it('has demo defaults and reads a rate limit', () => {
    const result = loadSimEnv({ DATAVERSE_SIM_RATE_LIMIT: '6000/300000', DATAVERSE_SIM_PORT: '0' });
    expect(result).toMatchObject({ ok: true, options: { port: 0, tenantId: DEMO_TENANT_ID, faults: { rateLimit: { requests: 6000, windowMs: 300000 } } } });
  });

  it('names a bad variable', () => {
    const result = loadSimEnv({ DATAVERSE_SIM_RATE_LIMIT: 'fast' });
    expect(result).toMatchObject({ ok: false, problems: expect.stringContaining('DATAVERSE_SIM_RATE_LIMIT') });
  });
});
