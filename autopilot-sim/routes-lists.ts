import { Hono, type Context } from 'hono';
import { CreateListRequestSchema } from '../autopilot/contract';
import { apiError, MESSAGES, readJson, type SimEnv } from './http';

/** List endpoints: list, create, page members, membership (spec 4.6). */
export function listRoutes(duplicateListNames: 'conflict' | 'create'): Hono<SimEnv> {
  return new Hono<SimEnv>()
    .get('/lists', (c) => {
      const lists = c.get('account').lists().map((l) => ({ list_id: l.list_id, title: l.title }));
      return c.json({ lists });
    })
    .post('/list', async (c) => {
      const parsed = CreateListRequestSchema.safeParse(await readJson(c));
      if (!parsed.success) return apiError(c, 400, 'Request body must be {"name": "..."}.');
      const account = c.get('account');
      if (duplicateListNames === 'conflict' && account.findListByTitle(parsed.data.name)) {
        return apiError(c, 409, MESSAGES.listExists);
      }
      return c.json({ list_id: account.createList(parsed.data.name).list_id });
    })
    // Autopilot answers an unknown list here with an empty-bodied error (spec 4.6).
    .get('/list/:listId/contacts/:bookmark?', (c) => {
      const account = c.get('account');
      const list = account.getList(c.req.param('listId'));
      if (!list) return c.body(null, 404);
      return c.json(account.page(list.members, c.req.param('bookmark')));
    })
    .get('/list/:listId/contact/:idOrEmail', (c) => {
      const account = c.get('account');
      const contact = account.findContact(c.req.param('idOrEmail'));
      const isMember = contact && account.getList(c.req.param('listId'))?.members.has(contact.id);
      return isMember ? c.json({}) : c.body(null, 404);
    })
    .post('/list/:listId/contact/:idOrEmail', (c) => membership(c, 'add'))
    .delete('/list/:listId/contact/:idOrEmail', (c) => membership(c, 'remove'));
}

function membership(c: Context<SimEnv, '/list/:listId/contact/:idOrEmail'>, action: 'add' | 'remove'): Response {
  const account = c.get('account');
  const listId = c.req.param('listId');
  const contact = account.findContact(c.req.param('idOrEmail'));
  if (!account.getList(listId)) return c.body(null, 404);
  if (!contact) return apiError(c, 404, MESSAGES.contactNotFound);
  const changed = action === 'add' ? account.addToList(listId, contact.id) : account.removeFromList(listId, contact.id);
  // Only the membership goes: the contact stays, as in Autopilot.
  if (changed && action === 'remove') c.get('runtime').recordRemoval(listId);
  return c.json(changed ? {} : { not_modified: true });
}
