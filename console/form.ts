import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { CSRF_FIELD } from './components/csrf-field';
import type { SignedInEnv } from './env';

/** A posted form: single values as text, repeated names (checkboxes) as lists. */
export interface Form {
  text(name: string): string;
  list(name: string): string[];
  has(name: string): boolean;
}

/** Always parsed with `all`, since Hono keeps the first parse of a body. */
export async function readForm(c: Context): Promise<Form> {
  const body = await c.req.parseBody({ all: true });
  const values = (name: string): string[] => {
    const v = body[name];
    const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
    return all.filter((x): x is string => typeof x === 'string');
  };
  return {
    text: (name) => (values(name)[0] ?? '').trim(),
    list: (name) => values(name).map((v) => v.trim()),
    has: (name) => values(name).length > 0,
  };
}

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Every post of a signed-in user carries the session's CSRF token in a hidden field (besides the
 * same-origin check and the SameSite cookie): a form on another site cannot know it.
 */
export function requireCsrfToken(): MiddlewareHandler<SignedInEnv> {
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const sent = (await readForm(c)).text(CSRF_FIELD);
    if (!sameSecret(sent, c.var.session.csrfToken)) {
      return c.text('This form was not sent from this console session: reload the page and try again.', 403);
    }
    return next();
  };
}
