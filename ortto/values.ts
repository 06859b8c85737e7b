import { MAX_STRING_LENGTH, MAX_TEXT_LENGTH } from './contract';
import type { FieldKind } from './fields';

/** A value as Ortto takes it, or why it cannot be one (the reason names no value: it is profile data). */
export type Converted = { value: unknown } | { error: string };

const INTEGER = /^[-+]?\d+$/;
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)$/;
const TRUE_WORDS = new Set(['true', 'yes', '1', 'y']);
const FALSE_WORDS = new Set(['false', 'no', '0', 'n']);

/** Converts one profile value to what a field of this kind takes. */
export function convertValue(kind: FieldKind, value: unknown): Converted {
  switch (kind) {
    case 'string':
      return limitedString(value, MAX_STRING_LENGTH);
    case 'text':
      return limitedString(value, MAX_TEXT_LENGTH);
    case 'integer':
      return toInteger(value);
    case 'decimal':
      return toDecimal(value);
    case 'boolean':
      return toBoolean(value);
    case 'date':
      return toDate(value, (d) => d.toISOString());
    case 'birthday':
      return toDate(value, (d) => ({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), timezone: 'UTC' }));
    case 'geo':
      return mapString(limitedString(value, MAX_STRING_LENGTH), (name) => ({ name }));
  }
}

function limitedString(value: unknown, max: number): Converted {
  if (typeof value === 'object' && value !== null) return { error: 'is not text' };
  const text = String(value);
  // Ortto counts characters, not UTF-16 units: a name in emoji or CJK is as long as it looks.
  return [...text].length > max ? { error: `is longer than ${max} characters` } : { value: text };
}

function mapString(converted: Converted, to: (text: string) => unknown): Converted {
  return 'value' in converted ? { value: to(converted.value as string) } : converted;
}

/** Ortto's integers are int64; JSON numbers beyond 2^53 would arrive rounded, so they are refused. */
function toInteger(value: unknown): Converted {
  const n = typeof value === 'string' && INTEGER.test(value.trim()) ? Number(value.trim()) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) ? { value: n } : { error: 'is not a whole number' };
}

/** Ortto keeps decimals as integers in thousandths: 12.5 is sent as 12500. */
function toDecimal(value: unknown): Converted {
  const n = typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return { error: 'is not a number' };
  const thousandths = Math.round(n * 1000);
  return Number.isSafeInteger(thousandths) ? { value: thousandths } : { error: 'is too large a number' };
}

function toBoolean(value: unknown): Converted {
  if (typeof value === 'boolean') return { value };
  const word = String(value).trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return { value: true };
  if (FALSE_WORDS.has(word)) return { value: false };
  return { error: 'is not true or false' };
}

/** ISO 8601 dates and times, or epoch milliseconds. */
function toDate(value: unknown, to: (date: Date) => unknown): Converted {
  const date = typeof value === 'number' ? new Date(value) : typeof value === 'string' && value.trim() ? new Date(value.trim()) : undefined;
  return date && !Number.isNaN(date.getTime()) ? { value: to(date) } : { error: 'is not a date' };
}
