import { createHarness, HARNESS_TIMEOUT, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, HARNESS_TIMEOUT);
afterAll(() => h.close());

/** Every URL the page loads or links to. */
const referencedUrls = (html: string) => [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);

/** The sources a CSP directive allows. */
function allowed(csp: string, directive: string): string[] {
  const found = csp.split(';').map((d) => d.trim().split(/\s+/)).find(([name]) => name === directive);
  return found ? found.slice(1) : [];
}

describe('/docs', () => {
  it('serves Swagger UI from the project itself, as the security policy allows', async () => {
    const page = await h.app.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(allowed(csp, 'script-src')).toEqual(["'self'"]);
    expect(allowed(csp, 'style-src')).toEqual(["'self'"]);
    expect(allowed(csp, 'connect-src')).toEqual(["'self'"]);
    // No inline script, which the policy would block.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

    const urls = referencedUrls(html);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const url of urls) {
      expect(url).toMatch(/^\/docs\/assets\/[\w.-]+$/);
      const asset = await h.app.request(url);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/^(text\/css|text\/javascript|image\/png)/);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  });

  it('configures Swagger UI without the online validator, and over this API\'s document', async () => {
    const init = await (await h.app.request('/docs/assets/init.js')).text();
    expect(init).toContain('validatorUrl: null');
    expect(init).not.toMatch(/https?:\/\//);
    expect(await (await h.app.request('/docs')).text()).toContain('data-spec="/openapi.json"');
  });

  it('serves only its listed files', async () => {
    for (const path of ['/docs/assets/package.json', '/docs/assets/..%2Fpackage.json', '/docs/assets/index.html']) {
      expect((await h.app.request(path)).status).toBe(404);
    }
  });
});
