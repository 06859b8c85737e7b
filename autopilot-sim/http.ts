import type { Context } from 'hono';
import type { Account } from './account';
import type { KeyRuntime } from './stats';

/** What the `/v1` gate puts on the context for route handlers. */
export type SimEnv = { Variables: { account: Account; runtime: KeyRuntime } };

export type ErrorStatus = 400 | 401 | 404 | 408 | 409 | 429 | 500;

const REASON: Record<ErrorStatus, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** Autopilot's error body: `{"error": <reason phrase>, "message": <text>}` (spec 5.2). */
export function apiError(c: Context, status: ErrorStatus, message: string, headers?: Record<string, string>): Response {
  return c.json({ error: REASON[status], message }, status, headers);
}

/** Reads a JSON body; undefined when it is not JSON, so the caller can answer 400. */
export async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    return undefined;
  }
}

export const MESSAGES = {
  missingKey: 'No autopilotapikey header provided.',
  invalidKey: 'Provided autopilotapikey not valid.',
  rateLimited: (perSecond: number) => `You have exceeded your request rate of ${perSecond} r/s.`,
  throttled: 'Your request was throttled. Please see "Rate Limit" section of documentation at http://developers.autopilothq.com.',
  simulatedFailure: 'Simulated failure.',
  simulatedTimeout: 'Simulated timeout.',
  invalidContactData: 'Invalid contact data.',
  contactNotFound: 'Contact could not be found.',
  listExists: 'A list with this name already exists.',
} as const;
