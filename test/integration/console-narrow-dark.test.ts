import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { importProfiles } from '../../store/profiles';
import { API_TOKEN, startApiStack, type ApiStack } from '../helpers/api-stack';
import { until } from '../helpers/assertions';
import { openConsoleBrowser, seriousViolations, type WatchedBrowser } from '../helpers/console-browser';
import { TEST_API_KEY } from '../helpers/stack';

jest.setTimeout(240_000);

/** A pass-through proxy on loopback that notes every path the browser asks for. */
async function startRecordingProxy(target: string) {
  const paths: string[] = [];
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const upstream = httpRequest({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paths,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * The console on a 320 px wide phone in dark mode, through the run that needs an admin's
 * approval (a mirror-mode run that would empty half a list): every page fits the width and axe
 * finds nothing serious; the admin approves the removals and the run goes on to the end.
 */
describe('the console at 320 px in dark mode, approving removals', () => {
  let s: ApiStack;
  let w: WatchedBrowser;
  let page: Page;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  const problems: string[] = [];
  let exportId = '';
  let connectionId = '';

  async function members(count: number, leaving: number[] = []): Promise<void> {
    const lines = Array.from({ length: count }, (_, k) => JSON.stringify({ id: `m-${k + 1}`, segments: leaving.includes(k + 1) ? [] : ['Mirror'], EmailAddress: `m${k + 1}@example.com` }));
    expect((await importProfiles(s.db, (async function* () {
      yield* lines;
    })())).rejected).toBe(0);
  }

  beforeAll(async () => {
    s = await startApiStack();
    proxy = await startRecordingProxy(s.url);
    w = await openConsoleBrowser(proxy.url);
    page = w.page;
    await page.setViewportSize({ width: 320, height: 720 });
    await page.emulateMedia({ colorScheme: 'dark' });
    const connection = await s.api('POST', '/connections', { displayName: 'Sim', apiKey: TEST_API_KEY, usableBy: 'admins', privacyConsent: true, baseUrl: s.sim.url, requestsPerSecond: 20 });
    connectionId = connection.body.id;
    await members(4);
    const created = await s.api('POST', '/exports', {
      displayName: 'Mirror of a segment with a rather long name to wrap', connectionId, segmentIds: ['Mirror'], mapping: { email: 'EmailAddress' }, removeWhenLeaving: true,
    });
    expect(created.status).toBe(201);
    exportId = created.body.id;
  });
  afterAll(async () => {
    await w?.browser.close();
    await proxy?.close();
    await s?.close();
  });

  /** No horizontal scroll (naming what sticks out), dark colours in use, and axe's serious findings. */
  async function check(): Promise<void> {
    const where = new URL(page.url()).pathname;
    // Run in the page (as text: this project's types know no DOM).
    const wide = (await page.evaluate(`(() => {
      const width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth <= width) return [];
      return [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > width + 0.5)
        .map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).replace(/ /g, '.') : ''))
        .slice(0, 5);
    })()`)) as string[];
    if (wide.length > 0) problems.push(`${where}: wider than 320 px: ${wide.join(', ')}`);
    const background = (await page.evaluate('getComputedStyle(document.body).backgroundColor')) as string;
    if (background !== 'rgb(13, 17, 23)') problems.push(`${where}: not dark (${background})`);
    problems.push(...(await seriousViolations(page)));
  }
  async function go(path: string) {
    await page.goto(proxy.url + path);
    await check();
  }

  it('signs in and shows the lists, forms and pages without sideways scrolling', async () => {
    await go('/console/sign-in');
    await page.getByLabel('API token').fill(API_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
    await check();
    for (const path of ['/console/connections', `/console/connections/${connectionId}`, '/console/connections/new', `/console/exports/${exportId}`, `/console/exports/${exportId}/edit`, '/console/exports/new']) {
      await go(path);
    }
  });

  it('runs the mirror export, then stops the next run at the gate; the admin approves on a narrow screen and it completes', async () => {
    await go(`/console/exports/${exportId}`);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForLoadState();
    await page.locator('#live .badge', { hasText: 'completed' }).waitFor({ timeout: 90_000 });
    await check();

    await members(5, [1, 2]);
    const runId = await until('the next run to start', async () => {
      const res = await s.api('POST', `/exports/${exportId}/runs`);
      return res.status === 202 ? (res.body.runId as string) : undefined;
    });
    await go(`/console/runs/${runId}`);
    // The live panel shows the gate as it is reached, and the action that lifts it.
    const approve = page.locator('#live').getByRole('link', { name: 'Approve removals…' });
    await approve.waitFor({ timeout: 60_000 });
    expect(await page.locator('#live').textContent()).toMatch(/needs approval \(2 removals from Mirror\)/);
    await check();
    // The other way out, asked first too; not taken.
    await go(`/console/runs/${runId}/cancel`);
    await go(`/console/runs/${runId}`);
    await approve.click();
    await page.waitForLoadState();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/remove memberships\?/);
    expect(await page.locator('main').textContent()).toMatch(/2 removals from Mirror/);
    await check();
    await page.getByRole('button', { name: 'Approve removals' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('status').first().textContent()).toMatch(/Removals approved/);
    await page.locator('#live .badge', { hasText: 'completed' }).waitFor({ timeout: 90_000 });
    await check();
    const run = (await s.api('GET', `/runs/${runId}`)).body;
    expect(run).toMatchObject({ status: 'completed', counts: { removed: 2 } });
  });

  it('fit 320 px in dark mode with no serious accessibility problem, broke no policy, and asked for no /favicon.ico', async () => {
    expect(problems).toEqual([]);
    expect(w.consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    // The browser takes the icon the pages name; /favicon.ico would be the API's 404.
    await until('the icon to be fetched', async () => (proxy.paths.includes('/console/assets/favicon.svg') ? true : undefined), 10_000);
    expect(proxy.paths.filter((p) => p.startsWith('/favicon'))).toEqual([]);
  });
});
