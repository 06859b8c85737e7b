/**
 * Ortto's person fields: ids are `type:namespace:name`, built-ins with no namespace (`str::first`),
 * custom ones in `cm` (`int:cm:visits`). What a value must become depends on the field's kind,
 * which the id's type says for most fields; integer and decimal fields share `int`, so a custom
 * field's kind comes from the account's own list when it is known.
 */
export type FieldKind = 'string' | 'text' | 'integer' | 'decimal' | 'boolean' | 'date' | 'birthday' | 'geo';

/** A field of the account, as the destination lists it: its id and what its values must be. */
export interface OrttoField {
  id: string;
  kind: FieldKind;
}

const FIELD_ID = /^(str|txt|int|dec|bol|dtz|geo|phn):(cm)?:[a-z0-9][a-z0-9_-]*$/;

/** Built-in fields a merge may set; the email permission `bol::p` only when mapped on purpose. */
export const BUILTIN_FIELDS: readonly OrttoField[] = [
  { id: 'str::email', kind: 'string' },
  { id: 'str::first', kind: 'string' },
  { id: 'str::last', kind: 'string' },
  { id: 'str::ei', kind: 'string' },
  { id: 'str::language', kind: 'string' },
  { id: 'str::postal', kind: 'string' },
  { id: 'geo::city', kind: 'geo' },
  { id: 'geo::region', kind: 'geo' },
  { id: 'geo::country', kind: 'geo' },
  { id: 'dtz::b', kind: 'birthday' },
  { id: 'bol::p', kind: 'boolean' },
  { id: 'bol::sp', kind: 'boolean' },
  { id: 'bol::gdpr', kind: 'boolean' },
];

/** Custom fields' display types (as `custom-field/get` names them) → kind; other types hold strings. */
const KIND_OF_DISPLAY_TYPE: Record<string, FieldKind> = {
  integer: 'integer',
  decimal: 'decimal',
  currency: 'decimal',
  bool: 'boolean',
  boolean: 'boolean',
  date: 'date',
  time: 'date',
  long_text: 'text',
  geo: 'geo',
};

const KIND_OF_TYPE: Record<string, FieldKind> = { str: 'string', txt: 'text', int: 'integer', dec: 'decimal', bol: 'boolean', dtz: 'date', geo: 'geo' };

export const kindOfDisplayType = (displayType: string): FieldKind => KIND_OF_DISPLAY_TYPE[displayType] ?? 'string';

/** The kind a field id says on its own (an `int` may still be a decimal field: see the account's list). */
export function kindOfId(id: string): FieldKind | undefined {
  return BUILTIN_FIELDS.find((f) => f.id === id)?.kind ?? KIND_OF_TYPE[id.split(':')[0]];
}

/** Why a mapped field id cannot be sent to Ortto, or undefined when it can. */
export function invalidFieldId(id: string): string | undefined {
  if (!FIELD_ID.test(id)) return 'not an Ortto field id: a built-in one (str::first) or a custom one (str:cm:job-title, int:cm:visits, …)';
  if (id.startsWith('phn:')) return 'phone fields are not supported yet';
  if (!id.includes(':cm:') && !BUILTIN_FIELDS.some((f) => f.id === id)) return 'not one of the built-in Ortto fields an export may set';
  return undefined;
}
