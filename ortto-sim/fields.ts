import type { SimAccount, SimCustomField } from './state';

/** Custom field types as `custom-field/create` takes them → the id's type prefix. */
const PREFIX_OF_TYPE: Record<string, string> = {
  text: 'str', single_select: 'str', multi_select: 'str', long_text: 'txt', integer: 'int', decimal: 'int', currency: 'int',
  bool: 'bol', boolean: 'bol', date: 'dtz', time: 'dtz', geo: 'geo', phone: 'phn',
};

/** Built-in fields the simulator knows, by id. */
export const BUILTIN_FIELD_IDS = new Set([
  'str::email', 'str::first', 'str::last', 'str::ei', 'str::language', 'str::postal', 'geo::city', 'geo::region', 'geo::country', 'dtz::b',
  'bol::p', 'bol::sp', 'bol::gdpr',
]);

const kebab = (name: string) => name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** Creates a custom field as Ortto names it (`Job Title`, text → `str:cm:job-title`); undefined when it exists or the type is unknown. */
export function createCustomField(account: SimAccount, name: string, type: string): SimCustomField | 'exists' | 'badType' {
  const prefix = PREFIX_OF_TYPE[type];
  if (!prefix) return 'badType';
  const id = `${prefix}:cm:${kebab(name)}`;
  if (account.customFields.has(id)) return 'exists';
  const field = { id, name, displayType: type };
  account.customFields.set(id, field);
  return field;
}

const INT64 = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v);

/** Why Ortto would refuse this value for this field, or undefined when it takes it. */
export function invalidValue(account: SimAccount, id: string, value: unknown): string | undefined {
  if (value === null) return undefined;
  const custom = account.customFields.get(id);
  if (!custom && !BUILTIN_FIELD_IDS.has(id)) return `Unknown field ${id}`;
  switch (id.split(':')[0]) {
    case 'str':
      return typeof value === 'string' && [...value].length <= 255 ? undefined : `Invalid value for ${id}`;
    case 'txt':
      return typeof value === 'string' && [...value].length <= 4000 ? undefined : `Invalid value for ${id}`;
    case 'int':
      return INT64(value) ? undefined : `Invalid value for ${id}`;
    case 'bol':
      return typeof value === 'boolean' ? undefined : `Invalid value for ${id}`;
    case 'dtz':
      return validDate(value) ? undefined : `Invalid value for ${id}`;
    case 'geo':
      return typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string' ? undefined : `Invalid value for ${id}`;
    default:
      return `Unsupported field ${id}`;
  }
}

function validDate(value: unknown): boolean {
  if (typeof value === 'string') return !Number.isNaN(Date.parse(value));
  const d = value as { year?: unknown; month?: unknown; day?: unknown };
  return typeof value === 'object' && INT64(d.year) && INT64(d.month) && INT64(d.day);
}
