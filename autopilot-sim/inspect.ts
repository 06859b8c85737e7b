import { Hono } from 'hono';
import type { SimControl } from './control';

/**
 * Read-only inspection outside `/v1`. The key travels in the query only because this is a local
 * test tool; it is never logged or echoed. There are deliberately no mutation endpoints.
 */
export function inspectRoutes(sim: SimControl): Hono {
  return new Hono()
    .get('/health', (c) => c.json({ status: 'ok' }))
    .get('/stats', (c) => {
      const key = c.req.query('key');
      return c.json(key ? sim.stats(key) : sim.statsByLabel());
    })
    .get('/contacts', (c) => {
      const key = c.req.query('key');
      if (!key) return c.json({ error: 'Bad Request', message: 'Query parameter "key" is required.' }, 400);
      return c.json({ contacts: sim.contacts(key), lists: sim.lists(key) });
    });
}
