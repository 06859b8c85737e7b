import type { ContactRead, CustomFieldRead, CustomFieldValue } from '../autopilot/contract';

/** A contact as the simulator keeps it: write-shape fields as sent, plus what Autopilot adds. */
export interface StoredContact {
  id: string;
  /** Standard and unknown fields exactly as last sent (control fields excluded). */
  fields: Record<string, unknown>;
  custom: Record<string, CustomFieldValue>;
  lists: Set<string>;
  createdAt: string;
  updatedAt: string;
}

/** Write-side keys that steer the upsert and are not stored as contact fields (spec 3.2). */
export const CONTROL_FIELDS = new Set([
  'contact_id',
  'custom',
  'notify',
  '_autopilot_list',
  '_autopilot_session_id',
  '_NewEmail',
]);

const CUSTOM_TYPES = new Set(['string', 'integer', 'float', 'date', 'boolean']);

/** `string--Plan--Tier` → `{ kind: 'Plan Tier', fieldType: 'string' }` (spec 8.4). */
export function toCustomFieldRead(key: string, value: CustomFieldValue): CustomFieldRead {
  const [prefix, ...rest] = key.split('--');
  if (rest.length > 0 && CUSTOM_TYPES.has(prefix)) {
    return { kind: rest.join(' '), value, fieldType: prefix, deleted: false };
  }
  const fieldType = typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'float') : typeof value;
  return { kind: key.split('--').join(' '), value, fieldType, deleted: false };
}

/** The `GET /contact/...` shape: only fields with values are present, as with real Autopilot. */
export function toContactRead(contact: StoredContact): ContactRead {
  const read: ContactRead = {
    contact_id: contact.id,
    ...contact.fields,
    created_at: contact.createdAt,
    updated_at: contact.updatedAt,
    api_originated: true,
  };
  const name = [contact.fields.FirstName, contact.fields.LastName].filter((p) => typeof p === 'string' && p);
  if (name.length > 0) read.Name = name.join(' ');
  if (contact.lists.size > 0) read.lists = [...contact.lists];
  const custom = Object.entries(contact.custom).map(([k, v]) => toCustomFieldRead(k, v));
  if (custom.length > 0) read.custom_fields = custom;
  return read;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Deliberately simple: something@something.tld, no spaces. */
export function isSyntacticallyValidEmail(email: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim());
}
