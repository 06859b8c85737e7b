import type { AutopilotContact } from '../autopilot/contract';
import type { FieldMapping } from '../domain/export';

const CUSTOM_TYPES = /^(string|integer|float|date|boolean)--/;

/**
 * Builds the Autopilot contact for one profile. Keys like `string--Plan--Tier` are custom
 * fields and go under `custom`; every other mapped key is a standard Autopilot field.
 * Attributes the profile lacks are left out, so Autopilot keeps what it already has.
 */
export function toContact(attributes: Record<string, unknown>, mapping: FieldMapping, listId: string): AutopilotContact {
  const contact: AutopilotContact = { Email: String(attributes[mapping.email]).trim(), _autopilot_list: listId };
  const standard: Record<string, string | undefined> = { FirstName: mapping.firstName, LastName: mapping.lastName };
  const custom: Record<string, string | number | boolean> = {};
  for (const [field, attribute] of Object.entries({ ...standard, ...mapping.fields })) {
    const value = attribute === undefined ? undefined : attributes[attribute];
    if (value === undefined || value === null || value === '') continue;
    const scalar = typeof value === 'object' ? JSON.stringify(value) : (value as string | number | boolean);
    if (CUSTOM_TYPES.test(field)) custom[field.replace(/\s+/g, '--')] = scalar;
    else contact[field] = scalar;
  }
  if (Object.keys(custom).length > 0) contact.custom = custom;
  return contact;
}
