import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Hono } from 'hono';

/**
 * Every file the console loads, from this folder or node_modules: it works offline, and the
 * security policy needs no other origin. Only these names are served.
 */
const FILES: Record<string, { file: () => string; type: string }> = {
  'htmx.min.js': { file: () => require.resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript; charset=utf-8' },
  'sse.min.js': { file: () => require.resolve('htmx-ext-sse/dist/sse.min.js'), type: 'text/javascript; charset=utf-8' },
  'console.css': { file: () => path.join(__dirname, 'assets', 'console.css'), type: 'text/css; charset=utf-8' },
  'console.js': { file: () => path.join(__dirname, 'assets', 'console.js'), type: 'text/javascript; charset=utf-8' },
  // Named by every page, so the browser does not ask for /favicon.ico (the API's 404).
  'favicon.svg': { file: () => path.join(__dirname, 'assets', 'favicon.svg'), type: 'image/svg+xml' },
};

export function createAssetRoutes() {
  const loaded = new Map<string, Promise<Buffer>>();
  const load = (name: string) => loaded.get(name) ?? loaded.set(name, readFile(FILES[name].file())).get(name)!;
  return new Hono().get('/:name', async (c) => {
    const name = c.req.param('name');
    if (!Object.hasOwn(FILES, name)) return c.notFound();
    return c.body(new Uint8Array(await load(name)), 200, { 'Content-Type': FILES[name].type, 'Cache-Control': 'public, max-age=3600' });
  });
}
