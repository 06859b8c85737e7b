import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Hono } from 'hono';

/** What the page loads, all from `swagger-ui-dist` in node_modules: the docs work offline. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

// An external script, since the security policy allows no inline one. No validator: it would call out.
const INIT_SCRIPT = `window.addEventListener('load', () => {
  const root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({ url: root.dataset.spec, domNode: root, validatorUrl: null, deepLinking: true });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Autopilot segment export API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-spec="/openapi.json"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>
`;

const distDir = () => path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** `/docs`: Swagger UI over `/openapi.json`, with its files under `/docs/assets/` (only those listed). */
export function createDocsRoutes() {
  const files = new Map<string, Promise<Buffer>>();
  const load = (name: string) => files.get(name) ?? files.set(name, readFile(path.join(distDir(), name))).get(name)!;
  return new Hono()
    .get('/docs', (c) => c.html(PAGE))
    .get('/docs/assets/init.js', (c) => c.body(INIT_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }))
    .get('/docs/assets/:name', async (c) => {
      const name = c.req.param('name');
      const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
      if (!type) return c.notFound();
      return c.body(new Uint8Array(await load(name)), 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
    });
}
