import { Hono } from 'hono';
import { BulkUpsertRequestSchema, MAX_CONTACTS_PER_UPSERT, UpsertContactRequestSchema } from '../autopilot/contract';
import { toContactRead } from './contact-shape';
import type { Faults } from './faults';
import { apiError, MESSAGES, readJson, type SimEnv } from './http';
import { upsertBatch } from './upsert';

/** Contact endpoints: bulk and single upsert, read one, page through all (spec 4.2–4.5). */
export function contactRoutes(faults: Faults): Hono<SimEnv> {
  return new Hono<SimEnv>()
    .post('/contacts', async (c) => {
      const body = await readJson(c);
      const raw = (body as { contacts?: unknown } | undefined)?.contacts;
      if (Array.isArray(raw) && raw.length > MAX_CONTACTS_PER_UPSERT) {
        return apiError(c, 400, `Maximum of ${MAX_CONTACTS_PER_UPSERT} contacts per request.`);
      }
      const parsed = BulkUpsertRequestSchema.safeParse(body);
      if (!parsed.success) return apiError(c, 400, 'Request body must be {"contacts": [...]} with contact objects.');
      const outcome = upsertBatch(c.get('account'), faults, parsed.data.contacts);
      if (!outcome.ok) return apiError(c, 400, outcome.message);
      const { stats } = c.get('runtime');
      stats.upserts++;
      stats.upsertedContacts += outcome.contactIds.length;
      return c.json({ contact_ids: outcome.contactIds, email_contact_map: outcome.emailContactMap });
    })
    .post('/contact', async (c) => {
      const parsed = UpsertContactRequestSchema.safeParse(await readJson(c));
      if (!parsed.success) return apiError(c, 400, 'Request body must be {"contact": {...}}.');
      const outcome = upsertBatch(c.get('account'), faults, [parsed.data.contact]);
      if (!outcome.ok) return apiError(c, 400, outcome.message);
      const [contactId] = outcome.contactIds;
      if (!contactId) return apiError(c, 400, MESSAGES.invalidContactData);
      return c.json({ contact_id: contactId });
    })
    .get('/contact/:idOrEmail', (c) => {
      const contact = c.get('account').findContact(c.req.param('idOrEmail'));
      if (!contact) return apiError(c, 404, MESSAGES.contactNotFound);
      return c.json(toContactRead(contact));
    })
    .get('/contacts', (c) => {
      const account = c.get('account');
      return c.json(account.page(account.allContactIds()));
    })
    .get('/contacts/:bookmark', (c) => {
      const account = c.get('account');
      return c.json(account.page(account.allContactIds(), c.req.param('bookmark')));
    });
}
