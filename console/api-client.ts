import type { Context } from 'hono';

/** The API app's own fetch: console handlers go through every route, check and role rule of the API. */
export type ApiFetch = (request: Request, env?: unknown) => Response | Promise<Response>;

export interface ApiAnswer<T> {
  status: number;
  ok: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an answer is read as the contract documents it
  body: T & Record<string, any>;
}

/** An error answer of the API: `{error: {code, message, details}}`. */
export interface ApiErrorBody {
  error?: { code: string; message: string; details?: { issues?: Issue[]; exportIds?: string[] } };
}
export interface Issue {
  path: (string | number)[];
  message: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see ApiAnswer
export type CallApi = <T = any>(method: string, path: string, body?: unknown) => Promise<ApiAnswer<T>>;

/**
 * Calls the API in-process as the signed-in user: the same request a client with that token
 * would send, on the same origin, with the browser's connection details (`env`, the peer) and its
 * `X-Forwarded-For` passed along, so the API's throttling of failed tokens finds the same client
 * as for a direct call (behind a trusted proxy, the browser's address, not the proxy's; the header
 * counts only when the peer is in TRUSTED_PROXIES). Nothing leaves the process.
 */
export function apiCaller(fetchApi: ApiFetch, c: Context, token: string): CallApi {
  return async (method, path, body) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    const requestId = c.get('requestId' as never) as string | undefined;
    if (requestId) headers['x-request-id'] = requestId;
    const forwardedFor = c.req.header('x-forwarded-for');
    if (forwardedFor) headers['x-forwarded-for'] = forwardedFor;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const request = new Request(new URL(path, c.req.url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const res = await fetchApi(request, c.env);
    const text = await res.text();
    const parsed = text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {};
    return { status: res.status, ok: res.ok, body: parsed };
  };
}

/** The API's message for a failed answer, for the page to show. */
export function errorMessage(answer: ApiAnswer<unknown>): string {
  const error = (answer.body as ApiErrorBody).error;
  return error?.message ?? `The API answered ${answer.status}`;
}

/** Per-field messages of a 400, keyed by the dotted path (`mapping.email`). */
export function fieldIssues(answer: ApiAnswer<unknown>): Map<string, string> {
  const issues = (answer.body as ApiErrorBody).error?.details?.issues ?? [];
  return new Map(issues.map((i) => [i.path.join('.'), i.message]));
}
