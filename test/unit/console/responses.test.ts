import { createConsoleHarness, ORIGIN, signIn, type ConsoleHarness } from './harness';

jest.setTimeout(60_000);

/** What every console response says to caches, and the icon that keeps the browser from asking for /favicon.ico. */
describe('console responses', () => {
  let h: ConsoleHarness;
  let cookie = '';
  let runId = '';
  beforeAll(async () => {
    h = await createConsoleHarness();
    ({ cookie } = await signIn((url, init) => Promise.resolve(h.app.request(url, init)), ORIGIN, h.tokens.admin));
    runId = await h.runningRun();
  });
  afterAll(() => h?.close());

  const get = (path: string, headers: Record<string, string> = {}) => h.app.request(ORIGIN + path, { headers: { cookie, ...headers } });

  it('are never stored: pages, fragments, redirects, the sign-in form, CSV downloads and live streams', async () => {
    const responses = {
      exports: await get('/console/exports'),
      run: await get(`/console/runs/${runId}`),
      fragment: await get('/console/exports/schedule-preview?cron=0+6+*+*+*&timezone=UTC', { 'hx-request': 'true' }),
      redirect: await get('/console'),
      signIn: await h.app.request(`${ORIGIN}/console/sign-in`),
      anonymous: await h.app.request(`${ORIGIN}/console/exports`),
      csv: await get(`/console/runs/${runId}/outcomes.csv?status=rejected`),
    };
    for (const [name, res] of Object.entries(responses)) {
      expect([name, res.headers.get('cache-control')]).toEqual([name, 'no-store']);
      await res.body?.cancel();
    }
    expect(responses.csv.headers.get('content-type')).toMatch(/text\/csv/);

    const stream = await get(`/console/runs/${runId}/events`, { accept: 'text/event-stream' });
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(stream.headers.get('cache-control')).toBe('no-store');
    await stream.body?.cancel();
  });

  it('leave the console\'s own assets cacheable', async () => {
    expect((await h.app.request(`${ORIGIN}/console/assets/console.css`)).headers.get('cache-control')).toBe('public, max-age=3600');
  });

  it('name an icon of the console\'s own on every page, served as SVG', async () => {
    for (const html of [await (await h.app.request(`${ORIGIN}/console/sign-in`)).text(), await (await get('/console/exports')).text()]) {
      expect(html).toContain('<link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml"/>');
    }
    const icon = await h.app.request(`${ORIGIN}/console/assets/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toMatch(/^<svg /);
  });
});
