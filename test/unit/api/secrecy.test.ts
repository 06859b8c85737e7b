import { connectionBody, createExport } from './fixtures';
import { createHarness, GOOD_KEY, HARNESS_TIMEOUT, json, OTHER_GOOD_KEY, seedProfiles, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, HARNESS_TIMEOUT);
afterAll(() => h.close());

const REFUSED_KEY = '99998888777766665555444433332222';
const TOO_LONG_KEY = `k${'x'.repeat(250)}`;
const SECRETS = [GOOD_KEY, OTHER_GOOD_KEY, REFUSED_KEY, TOO_LONG_KEY];

describe('API key secrecy', () => {
  it('never shows a key in any response, header or log line, and stores it sealed', async () => {
    await seedProfiles(h.db);
    const seen: string[] = [];
    const call = async (who: 'admin' | 'contributor', method: string, path: string, body?: unknown) => {
      const res = await h.call(who, method, path, body);
      seen.push(`${method} ${path} ${res.status} ${JSON.stringify([...res.headers])} ${await res.clone().text()}`);
      return res;
    };

    const created = await json(await h.call('admin', 'POST', '/connections', connectionBody(h, { apiKey: GOOD_KEY })));
    const id: string = created.id;
    seen.push(JSON.stringify(created));
    expect((await call('admin', 'PATCH', `/connections/${id}`, { apiKey: OTHER_GOOD_KEY })).status).toBe(200);
    expect((await call('admin', 'PATCH', `/connections/${id}`, { apiKey: REFUSED_KEY })).status).toBe(422);
    expect((await call('admin', 'POST', '/connections', connectionBody(h, { apiKey: REFUSED_KEY }))).status).toBe(422);
    expect((await call('admin', 'POST', '/connections', connectionBody(h, { apiKey: TOO_LONG_KEY }))).status).toBe(400);
    expect((await call('admin', 'POST', '/connections', { ...connectionBody(h), apiKey: [GOOD_KEY] })).status).toBe(400);
    const exportId = await createExport(h, id);
    const { runId } = await json(await call('admin', 'POST', `/exports/${exportId}/runs`));

    const reads = ['/connections', `/connections/${id}`, '/exports', `/exports/${exportId}`, `/exports/${exportId}/runs`, `/runs/${runId}`, `/runs/${runId}/outcomes`, '/tokens', '/segments', '/profile-fields', '/openapi.json', '/docs', '/health'];
    for (const path of reads) {
      await call('admin', 'GET', path);
      await call('contributor', 'GET', path);
    }
    expect((await call('admin', 'POST', `/connections/${id}/test`)).status).toBe(200);

    const everything = [...seen, ...h.logs].join('\n');
    expect(h.logs.length).toBeGreaterThan(20);
    for (const secret of SECRETS) expect(everything).not.toContain(secret);

    const [row] = await h.db.query<Record<string, unknown>>('SELECT * FROM connections WHERE id = $1', [id]);
    expect(row.api_key_secret).not.toBe(OTHER_GOOD_KEY);
    for (const secret of SECRETS) expect(JSON.stringify(row)).not.toContain(secret);
    expect(row.api_key_last4).toBe(OTHER_GOOD_KEY.slice(-4));
  });
});
