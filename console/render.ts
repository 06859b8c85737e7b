import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { JSX } from 'hono/jsx/jsx-runtime';
import type { Viewer } from './components/layout';
import type { SignedInEnv } from './env';

/** A whole page, as HTML5. */
export async function page(c: Context, body: JSX.Element, status: ContentfulStatusCode = 200): Promise<Response> {
  return c.html(`<!doctype html>${await body}`, status);
}

/** A fragment for htmx to swap in. */
export async function fragment(c: Context, body: JSX.Element, status: ContentfulStatusCode = 200): Promise<Response> {
  return c.html(String(await body), status);
}

export const viewerOf = (c: Context<SignedInEnv>): Viewer => ({ role: c.var.session.role, csrfToken: c.var.session.csrfToken });
