import { Hono } from 'hono';
import { CREATE_CUSTOM_FIELD_PATH, CreateCustomFieldRequestSchema, LIST_CUSTOM_FIELDS_PATH, MERGE_PATH } from '../ortto/contract';
import { createCustomField } from './fields';
import { readJson, type OrttoSimEnv } from './gate';
import { mergePeople } from './merge';

/** The person endpoints an export uses, under their full paths (`/v1/person/...`). */
export function personRoutes() {
  return new Hono<OrttoSimEnv>()
    .post(MERGE_PATH, async (c) => {
      const answer = mergePeople(c.var.account, await readJson(c));
      return c.json(answer.body, answer.status);
    })
    .post(LIST_CUSTOM_FIELDS_PATH, (c) => {
      const fields = [...c.var.account.customFields.values()].map((f) => ({
        field: { id: f.id, name: f.name, display_type: f.displayType, liquid_name: `people.custom.${f.id.split(':')[2]}` },
        tracked_value: false,
      }));
      return c.json({ fields });
    })
    .post(CREATE_CUSTOM_FIELD_PATH, async (c) => {
      const body = CreateCustomFieldRequestSchema.safeParse(await readJson(c));
      if (!body.success) return c.json({ code: 400, error: 'name and type are required' }, 400);
      const created = createCustomField(c.var.account, body.data.name, body.data.type);
      if (created === 'badType') return c.json({ code: 400, error: `Unknown field type ${body.data.type}` }, 400);
      if (created === 'exists') return c.json({ code: 423, error: 'Field already exists' }, 423);
      return c.json({ name: created.name, field_id: created.id, display_type: created.displayType });
    });
}
