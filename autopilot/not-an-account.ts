import { AutopilotError } from './errors';

/** Keys are shown only when they look like field names: a key could itself be an email or a token. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,39}$/;
const MAX_KEYS_SHOWN = 10;

/**
 * The error for a `GET /account` answer that is not an Autopilot account. It says what came back
 * by shape only (JSON type and field names), never values: they could hold secrets or profile data.
 */
export function notAnAccountError(baseUrl: string, body: unknown, status: number): AutopilotError {
  return new AutopilotError(
    'wrongService',
    `The server at ${hostOf(baseUrl)} answered GET /account with ${describeShape(body)} that is not an Autopilot account`,
    { status },
  );
}

/** `JSON that …` with its keys for an object, the JSON type otherwise. */
export function describeShape(body: unknown): string {
  if (body === undefined || body === '') return 'an empty body';
  if (typeof body === 'string') return 'text';
  if (body === null) return 'JSON null';
  if (Array.isArray(body)) return 'a JSON array';
  if (typeof body !== 'object') return `a JSON ${typeof body}`;
  return `JSON (${describeKeys(Object.keys(body))})`;
}

function describeKeys(keys: string[]): string {
  if (keys.length === 0) return 'no keys';
  const plain = keys.filter((k) => PLAIN_KEY.test(k));
  const shown = plain.slice(0, MAX_KEYS_SHOWN);
  const others = keys.length - shown.length;
  const more = others > 0 ? `${shown.length > 0 ? ', ' : ''}${others} more` : '';
  return `keys: ${shown.join(', ')}${more}`;
}

/** Host (and port) only: a URL may carry credentials in its user part or a token in its query. */
function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host || 'its base URL';
  } catch {
    return 'its base URL';
  }
}
