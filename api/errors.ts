import type { MiddlewareHandler } from 'hono';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { Logger } from './logger';
import { SearchAttributesMissingError } from '../temporal/search-attributes';
import { describeError, errorCauses } from './error-causes';
import { unavailableDependency } from './unavailable';

/** One entry of `error.details.issues`: where the problem is, never the offending value (it may be a secret). */
export interface Issue {
  in: 'body' | 'query' | 'path' | 'header';
  path: (string | number)[];
  code: string;
  message: string;
}

/** Every 4xx/5xx leaves the API as `{ error: { code, message, details? } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);

export function invalid(issues: Issue[]): ApiError {
  const [first] = issues;
  const where = first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new ApiError(400, 'invalid_request', `${where}${first.message}${more}`, { issues });
}

const TARGETS: Record<string, Issue['in']> = { json: 'body', form: 'body', query: 'query', param: 'path', header: 'header' };

/** Zod's issues without `input`: zod v4 leaves it out unless asked, and we never ask. */
export function fromZod(error: z.ZodError, target: string): Issue[] {
  return error.issues.flatMap((i): Issue[] => {
    const where = TARGETS[target] ?? 'body';
    const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    // One issue per unknown field, so that its path names it.
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((key) => ({ in: where, path: [...path, key], code: i.code, message: 'unknown field' }));
    }
    return [{ in: where, path, code: i.code, message: i.message }];
  });
}

/**
 * The validation hook every route shares (OpenAPIHono `defaultHook`). Beyond the schema, it
 * refuses NUL characters anywhere (values or keys): PostgreSQL text cannot hold them, so they
 * would otherwise surface as a 500.
 */
export function validationHook(result: { success: boolean; error?: unknown; data?: unknown; target: string }): void {
  if (!result.success) throw invalid(fromZod(result.error as z.ZodError, result.target));
  const path = findNul(result.data, []);
  if (path) throw invalid([{ in: TARGETS[result.target] ?? 'body', path, code: 'invalid_string', message: 'must not contain NUL characters' }]);
}

function findNul(value: unknown, path: (string | number)[]): (string | number)[] | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    if (key.includes('\0')) return at;
    const found = findNul(item, at);
    if (found) return found;
  }
  return undefined;
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** How long a client should wait before trying again while a dependency is down. */
const RETRY_AFTER_SECONDS = 5;
const UNAVAILABLE = {
  store: 'The store (database) is unavailable right now; try again shortly',
  temporal: 'The Temporal server is unavailable right now; try again shortly',
} as const;

const HTTP_CODES: Partial<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/**
 * Hono hands only `instanceof Error` to `onError`; anything else thrown (an error from another
 * realm — a VM context, as under jest — or a plain object) would escape as a bare 500. This, the
 * outermost middleware, rethrows it as an Error of this realm that keeps its name, code and cause.
 */
export function errorsOfThisRealm(): MiddlewareHandler {
  return async (_c, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof Error) throw err;
      const { message, name, code, cause } = (err ?? {}) as { message?: unknown; name?: unknown; code?: unknown; cause?: unknown };
      const kept = Object.entries({ name, code, cause }).filter(([, v]) => v !== undefined);
      throw Object.assign(new Error(typeof message === 'string' ? message : String(err)), Object.fromEntries(kept));
    }
  };
}

/**
 * `app.onError`: known errors keep their status; Hono's own (malformed JSON, 415) are reshaped;
 * anything else is a 500 that says nothing, logged by name, message, stack and causes (a server's
 * gRPC status and details among them), never the body.
 */
export function createErrorHandler(logger: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.details), err.status);
    if (err instanceof HTTPException && err.status < 500) {
      const status = err.status as ContentfulStatusCode;
      const message = /malformed json/i.test(err.message) ? 'The request body is not valid JSON' : err.message;
      const details = status === 400 ? { issues: [{ in: 'body', path: [], code: 'malformed_json', message }] } : undefined;
      return c.json(errorBody(HTTP_CODES[status] ?? 'bad_request', message || 'Bad request', details), status);
    }
    if (err instanceof SearchAttributesMissingError) {
      logger.warn('Run refused: search attributes missing', { method: c.req.method, path: c.req.path, missing: err.missing, command: err.command });
      return c.json(errorBody('search_attributes_missing', err.message, { missing: err.missing, command: err.command }), 503);
    }
    const down = unavailableDependency(err);
    if (down) {
      logger.warn('Dependency unavailable', { method: c.req.method, path: c.req.path, dependency: down });
      c.header('Retry-After', String(RETRY_AFTER_SECONDS));
      return c.json(errorBody(`${down}_unavailable`, UNAVAILABLE[down]), 503);
    }
    logger.error('Unhandled error', {
      method: c.req.method,
      path: c.req.path,
      error: { ...describeError(err), stack: err.stack, causes: errorCauses(err) },
    });
    return c.json(errorBody('internal', 'Internal error'), 500);
  };
}
