/**
 * Validates the cron dialect we hand to Temporal Schedules: five fields (minute hour day-of-month
 * month day-of-week) or one of the `@hourly`-style shorthands. Deliberately a subset: Temporal reads
 * six fields as "…, year" where most cron libraries (croner included) read "second, …", and it
 * ANDs day-of-month with day-of-week; accepting only what both read alike keeps "valid" meaning
 * "runs when the user thinks it does".
 */

const SHORTHANDS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly']);
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: DAYS },
];

/** Returns what is wrong with the expression, or undefined when it is valid. */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (SHORTHANDS.has(text.toLowerCase())) return undefined;
  const parts = text.split(/\s+/);
  if (parts.length !== 5) return 'must have 5 fields (minute hour day-of-month month day-of-week) or be @hourly, @daily, @weekly, @monthly or @yearly';
  for (const [i, part] of parts.entries()) {
    const problem = fieldProblem(part, FIELDS[i]);
    if (problem) return `${FIELDS[i].name} field "${part}": ${problem}`;
  }
  return undefined;
}

function fieldProblem(part: string, field: Field): string | undefined {
  for (const item of part.split(',')) {
    const [range, step, ...extra] = item.split('/');
    if (extra.length > 0) return 'more than one "/"';
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return 'a step must be a positive whole number';
    if (range === '*') continue;
    const [from, to, ...more] = range.split('-');
    if (more.length > 0) return 'more than one "-" in a range';
    const start = value(from, field);
    const end = to === undefined ? start : value(to, field);
    if (start === undefined || end === undefined) return `values must be ${field.min}-${field.max}${field.names ? ' or names' : ''}`;
    if (start > end) return 'a range must go from low to high';
  }
  return undefined;
}

function value(text: string, field: Field): number | undefined {
  if (/^\d{1,2}$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index < 0) return undefined;
  return field.names === MONTHS ? index + 1 : index;
}

/** IANA names the runtime knows; Temporal loads the same database on the server. */
export function timezoneProblem(timezone: string): string | undefined {
  const problem = 'is not a known IANA time zone (e.g. "Europe/Amsterdam", "UTC")';
  // Newer runtimes also take offsets such as "+01:00", which the server's tz database does not.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timezone)) return problem;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return undefined;
  } catch {
    return problem;
  }
}

/**
 * The shortest time, in minutes, between two firings of a valid expression, from its minute and
 * hour fields over a day (day fields only ever remove firings, so this never overstates it).
 */
export function shortestIntervalMinutes(expression: string): number {
  const text = expression.trim().toLowerCase();
  if (SHORTHANDS.has(text)) return text === '@hourly' ? 60 : 24 * 60;
  const [minute, hour] = text.split(/\s+/);
  const firings = expand(hour, FIELDS[1]).flatMap((h) => expand(minute, FIELDS[0]).map((m) => h * 60 + m)).sort((a, b) => a - b);
  const gaps = firings.map((t, i) => (i + 1 < firings.length ? firings[i + 1] : firings[0] + 24 * 60) - t);
  return Math.min(...gaps);
}

function expand(part: string, field: Field): number[] {
  const values = new Set<number>();
  for (const item of part.split(',')) {
    const [range, step] = item.split('/');
    const [from, to] = range === '*' ? [field.min, field.max] : range.split('-').map((v) => value(v, field) as number);
    const end = step === undefined && range !== '*' ? (to ?? from) : (to ?? field.max);
    for (let v = from; v <= end; v += Number(step ?? 1)) values.add(v);
  }
  return [...values];
}
