import { Hono } from 'hono';
import type { OrttoSimControl } from './control';

/**
 * Read-only inspection outside `/v1`. The key travels in the query only because this is a local
 * test tool; it is never logged or echoed.
 */
export function inspectRoutes(sim: OrttoSimControl): Hono {
  const withKey = (key: string | undefined, read: (key: string) => unknown) => (key ? read(key) : undefined);
  return new Hono()
    .get('/health', (c) => c.json({ status: 'ok', bans: sim.bans() }))
    .get('/stats', (c) => {
      const stats = withKey(c.req.query('key'), sim.stats);
      return stats ? c.json(stats) : c.json({ error: 'Query parameter "key" is required.' }, 400);
    })
    .get('/people', (c) => {
      const people = withKey(c.req.query('key'), (key) => ({ people: sim.people(key), fields: sim.customFields(key) }));
      return people ? c.json(people) : c.json({ error: 'Query parameter "key" is required.' }, 400);
    });
}
