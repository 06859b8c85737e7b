import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { API_TOKEN, startApiStack, type ApiStack } from '../helpers/api-stack';
import { simContacts } from '../helpers/assertions';
import { openConsoleBrowser, seriousViolations, type WatchedBrowser } from '../helpers/console-browser';
import { buildProfiles, loadProfiles } from '../helpers/profiles';
import { TEST_API_KEY } from '../helpers/stack';

jest.setTimeout(240_000);

/**
 * The console in real headless Chromium against a running stack: every flow an admin walks, then
 * what a contributor sees and may do. One browser for the file; every page is checked with axe.
 */
describe('the console in a browser', () => {
  let s: ApiStack;
  let w: WatchedBrowser;
  let page: Page;
  const a11y: string[] = [];
  const checked = new Set<string>();

  beforeAll(async () => {
    s = await startApiStack({ sim: { faults: { refuseEmails: '^refused-' } } });
    await loadProfiles(s.db, buildProfiles(3_000));
    w = await openConsoleBrowser(s.url);
    page = w.page;
  });
  afterAll(async () => {
    await w?.browser.close();
    await s?.close();
  });

  /** axe on each kind of page once (its path without ids and queries). */
  async function checkA11y(): Promise<void> {
    const kind = new URL(page.url()).pathname.replace(/[0-9a-f-]{36}/g, ':id');
    if (checked.has(kind)) return;
    checked.add(kind);
    a11y.push(...(await seriousViolations(page)));
  }
  async function go(path: string) {
    await page.goto(s.url + path);
    await checkA11y();
  }
  const click = async (name: string | RegExp, role: 'button' | 'link' = 'button') => {
    await page.getByRole(role, { name }).first().click();
    await page.waitForLoadState();
    await checkA11y();
  };
  async function signIn(token: string) {
    await go('/');
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await page.getByLabel('API token').fill(token);
    await click('Sign in');
  }
  const runIdOfPage = () => /\/console\/runs\/([^/?#]+)/.exec(page.url())?.[1] as string;
  const live = () => page.locator('#live');

  let connectionId = '';
  let exportId = '';

  it('signs an admin in with a session cookie that is HttpOnly, SameSite=Strict and expiring', async () => {
    await signIn(API_TOKEN);
    await expect(page.getByRole('heading', { name: 'Exports' })).toBeTruthy();
    const cookie = (await w.browser.context.cookies()).find((c) => c.name === 'console_session');
    expect(cookie).toMatchObject({ name: 'console_session', httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(cookie?.expires).toBeGreaterThan(Date.now() / 1000 + 3600);
    expect(await page.content()).not.toContain(API_TOKEN);
  });

  it('adds a connection: a wrong key is refused with what Autopilot answered, the right one saved', async () => {
    await go('/console/connections');
    await click('Add a connection', 'link');
    await page.getByLabel('Display name').fill('Marketing Autopilot (EU list)');
    await page.getByLabel(/Admins and contributors/).check();
    await page.getByLabel('API key', { exact: true }).fill('ffffffffffffffffffffffffffffffff');
    await page.locator('summary', { hasText: 'Advanced' }).click();
    await page.getByLabel('API address').fill(s.sim.url);
    await page.getByLabel('I agree').check();
    await click('Connect and save');
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Autopilot refused the API key \(HTTP 401\)/);
    expect((await s.api('GET', '/connections')).body.connections).toHaveLength(0);

    await page.getByLabel('API key', { exact: true }).fill(TEST_API_KEY);
    await page.getByLabel('I agree').check();
    await click('Connect and save');
    expect(await page.getByRole('status').first().textContent()).toMatch(/Autopilot accepted the key/);
    connectionId = /\/console\/connections\/([^/?]+)/.exec(page.url())?.[1] as string;
    await click('Test the key');
    expect(await page.getByRole('status').first().textContent()).toMatch(/Autopilot accepts the key/);
  });

  it('adds an export through the pickers, with the schedule described and its next times', async () => {
    await go('/console/exports');
    await click('Add an export', 'link');
    await page.getByLabel('Display name').fill('VIP to Autopilot');
    await page.getByLabel('Connection').selectOption({ label: 'Marketing Autopilot (EU list)' });
    await page.getByRole('checkbox', { name: /^A \(1,500 profiles\)/ }).check();
    await page.getByRole('checkbox', { name: /^B \(/ }).check();
    await page.getByLabel('Email (required)').selectOption('EmailAddress');
    await page.getByLabel('First name').selectOption('FirstName');
    await page.getByLabel('Last name').selectOption('LastName');
    await page.getByLabel('Autopilot field 1').fill('string--Plan');
    await page.getByLabel('Profile attribute 1').selectOption('Plan');
    await page.getByLabel('Time zone').fill('Europe/Amsterdam');
    await page.getByLabel('Cron expression').fill('0 6 * * MON-FRI');
    await page.locator('#schedule-preview', { hasText: 'At 06:00, Monday through Friday' }).waitFor();
    expect(await page.locator('#schedule-preview li').count()).toBe(5);
    await click('Save');
    expect(await page.getByRole('status').first().textContent()).toMatch(/Saved/);
    exportId = /\/console\/exports\/([^/?]+)/.exec(page.url())?.[1] ?? (await s.api('GET', '/exports')).body.exports[0].id;
    const saved = (await s.api('GET', `/exports/${exportId}`)).body;
    expect(saved).toMatchObject({ segmentIds: ['A', 'B'], mapping: { email: 'EmailAddress', firstName: 'FirstName', lastName: 'LastName', fields: { 'string--Plan': 'Plan' } } });
    expect(saved.schedule).toEqual({ cron: '0 6 * * MON-FRI', timezone: 'Europe/Amsterdam' });
    await go('/console/exports');
    expect(await page.locator('tr', { hasText: 'VIP to Autopilot' }).textContent()).toMatch(/never/);
  });

  it('previews the export: what would be added, with examples', async () => {
    await go(`/console/exports/${exportId}`);
    await click('Preview');
    await live().getByText(/^To add: [1-9]/).waitFor({ timeout: 60_000 });
    await live().getByText(/^To add/).click();
    expect(await live().locator('details[open] li').count()).toBeGreaterThan(0);
    expect(s.sim.sim.contacts(TEST_API_KEY)).toHaveLength(0);
  });

  it('runs it and watches the progress move to completed; the rejected rows match the API, and so does the CSV', async () => {
    await go(`/console/exports/${exportId}`);
    await click('Run now');
    const runId = runIdOfPage();
    // Server-sent events bring the panel up to date: no reload.
    await live().locator('.badge', { hasText: 'completed' }).waitFor({ timeout: 90_000 });
    expect(runIdOfPage()).toBe(runId);
    await page.reload();
    await checkA11y();
    const api = (await s.api('GET', `/runs/${runId}/outcomes?status=rejected&limit=1000`)).body.outcomes as { profileId: string; email: string; reason: string }[];
    expect(api.length).toBeGreaterThan(0);
    const shown = await page.locator('section', { hasText: 'Rejected profiles' }).locator('tbody tr').allTextContents();
    expect(shown.length).toBe(Math.min(api.length, 50));
    expect(shown[0]).toContain(api[0].profileId);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    const csv = readFileSync((await download.path()) as string, 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe('profileId,email,status,reason,sentAs');
    expect(csv.slice(1).map((line) => line.split(',')[0])).toEqual(api.map((o) => o.profileId));
    expect(csv[1]).toContain(api[0].email);

    await go(`/console/exports/${exportId}`);
    const history = await page.locator('tbody tr').allTextContents();
    expect(history[0]).toMatch(/completed.*manual, admin/);
  });

  it('pauses, resumes, cancels after asking, and re-drives what was not sent; links the run to the Temporal UI', async () => {
    s.sim.sim.setFaults({ latencyMs: 400 });
    await s.api('PATCH', `/exports/${exportId}`, { mode: 'full' });
    await go(`/console/exports/${exportId}`);
    await click('Run now');
    const runId = runIdOfPage();
    await live().getByRole('button', { name: 'Pause' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('status').first().textContent()).toMatch(/Paused/);
    expect((await s.api('GET', `/runs/${runId}`)).body.paused).toMatchObject({ by: 'admin' });
    await live().getByRole('button', { name: 'Resume' }).click();
    await page.waitForLoadState();
    expect((await s.api('GET', `/runs/${runId}`)).body.paused).toBeNull();

    await click('Cancel…', 'link');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/Cancel this run/);
    await click('Cancel the run');
    s.sim.sim.setFaults({ latencyMs: 0 });
    await live().locator('.badge', { hasText: 'cancelled' }).waitFor({ timeout: 60_000 });
    const link = await page.getByRole('link', { name: 'Open in the Temporal UI' }).getAttribute('href');
    // The execution the run began in: Temporal's run id, not the run's own.
    const { workflow } = (await s.api('GET', `/runs/${runId}`)).body as { workflow: { id: string; runId: string } };
    expect(workflow).toEqual({ id: `export-${exportId}`, runId: expect.not.stringMatching(runId) });
    expect(link).toBe(`http://localhost:8233/namespaces/default/workflows/export-${exportId}/${workflow.runId}/history`);

    await page.reload();
    await click('Re-drive rejected and unsent');
    expect(runIdOfPage()).not.toBe(runId);
    await live().locator('.badge', { hasText: 'completed' }).waitFor({ timeout: 90_000 });
    expect((await s.api('GET', `/runs/${runIdOfPage()}`)).body.redriveOf).toBe(runId);
  });

  it('shows a contributor only usable connections, no admin action, and lets the API refuse forced ones', async () => {
    const hidden = await s.api('POST', '/connections', { displayName: 'Admins only', apiKey: TEST_API_KEY, usableBy: 'admins', privacyConsent: true, baseUrl: s.sim.url });
    await s.api('POST', '/exports', { displayName: 'Hidden export', connectionId: hidden.body.id, segmentIds: ['C'], mapping: { email: 'EmailAddress' } });
    const { token } = (await s.api('POST', '/tokens', { name: 'carl', role: 'contributor' })).body;
    await w.browser.context.clearCookies();
    await signIn(token);
    expect(await page.getByRole('link', { name: 'Connections' }).count()).toBe(0);
    const list = await page.locator('main').textContent();
    expect(list).toContain('VIP to Autopilot');
    expect(list).not.toContain('Hidden export');
    await click('Add an export', 'link');
    const options = await page.getByLabel('Connection').locator('option').allTextContents();
    expect(options).toEqual(['Choose a connection', 'Marketing Autopilot (EU list)']);
    expect(await page.getByLabel(/Mirror/).count()).toBe(0);

    // Forced: a contributor's own session and CSRF token, posting what the pages do not offer.
    const csrf = (await page.locator('input[name="_csrf"]').first().getAttribute('value')) as string;
    const post = (path: string, form: Record<string, string>) => page.request.post(s.url + path, { form: { _csrf: csrf, ...form }, headers: { origin: s.url }, maxRedirects: 0 });
    const connection = await post('/console/connections', { displayName: 'Mine', apiKey: TEST_API_KEY, privacyConsent: 'true' });
    expect(connection.status()).toBe(403);
    expect(await connection.text()).toContain('Only admins may do this');
    const mirror = await post(`/console/exports/${exportId}`, { displayName: 'VIP to Autopilot', connectionId, segmentIds: 'A', email: 'EmailAddress', mirror: 'true', mode: 'incremental' });
    expect(mirror.status()).toBe(403);
    const removal = await post(`/console/connections/${connectionId}/remove`, { detach: 'true' });
    expect(removal.status()).not.toBe(303);
    expect((await s.api('GET', `/connections/${connectionId}`)).status).toBe(200);
    expect((await page.request.get(`${s.url}/console/exports/${(await s.api('GET', '/exports')).body.exports.find((e: { displayName: string }) => e.displayName === 'Hidden export').id}`)).status()).toBe(404);
  });

  it('refuses forged cross-site posts and requests without a session', async () => {
    const forged = await page.request.post(`${s.url}/console/connections/${connectionId}/remove`, { form: { detach: 'true' }, headers: { origin: 'https://evil.example' }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);
    const anonymous = await fetch(`${s.url}/console/exports`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    const anonymousPost = await fetch(`${s.url}/console/exports/${exportId}/run`, { method: 'POST', headers: { origin: s.url, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(anonymousPost.status).toBe(401);
  });

  it('removes the connection as an admin, detaching the export it names', async () => {
    await w.browser.context.clearCookies();
    await signIn(API_TOKEN);
    await go(`/console/connections/${connectionId}`);
    await click('Remove…', 'link');
    expect(await page.locator('main li').allTextContents()).toEqual(['VIP to Autopilot']);
    await click('Remove and detach 1 export');
    expect(await page.getByRole('status').first().textContent()).toMatch(/removed/);
    expect((await s.api('GET', `/connections/${connectionId}`)).status).toBe(404);
    expect((await s.api('GET', `/exports/${exportId}`)).body).toMatchObject({ connectionId: null, active: false });
  });

  it('left the simulator holding what the runs sent, in a list per segment', () => {
    const contacts = simContacts(s.sim.sim, TEST_API_KEY);
    expect(contacts.size).toBeGreaterThan(0);
    expect(contacts.get('user8@example.com')).toMatchObject({ FirstName: 'Fn8q', LastName: 'Ln8q', lists: ['A'] });
    expect(contacts.get('user12@example.com')?.lists).toEqual(['A', 'B']);
    expect([...contacts.keys()].some((e) => e.startsWith('refused-'))).toBe(false);
  });

  it('made no request off the API origin, broke no security policy, and has no serious accessibility problem', () => {
    expect(w.offOrigin).toEqual([]);
    expect(w.consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    expect(a11y).toEqual([]);
    expect(checked.size).toBeGreaterThanOrEqual(8);
  });
});
