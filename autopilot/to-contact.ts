import type { AutopilotContact } from './contract';

const CUSTOM_TYPES = /^(string|integer|float|date|boolean)--/;

/**
 * Builds the Autopilot contact for one profile from what its run froze: the email and the mapped
 * fields (Autopilot field → value). Keys like `string--Plan--Tier` are custom fields and go under
 * `custom`; every other key is a standard Autopilot field. Fields the profile lacked were left out
 * when the run planned, so Autopilot keeps what it already has.
 */
export function toContact(email: string, fields: Record<string, unknown>, listId: string): AutopilotContact {
  const contact: AutopilotContact = { Email: email, _autopilot_list: listId };
  const custom: Record<string, string | number | boolean> = {};
  for (const [field, value] of Object.entries(fields)) {
    const scalar = typeof value === 'object' ? JSON.stringify(value) : (value as string | number | boolean);
    if (CUSTOM_TYPES.test(field)) custom[field.replace(/\s+/g, '--')] = scalar;
    else contact[field] = scalar;
  }
  if (Object.keys(custom).length > 0) contact.custom = custom;
  return contact;
}
