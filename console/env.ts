import type { ConsoleSession } from '../store/sessions';
import type { CallApi } from './api-client';

/** A session found from the request's cookie; `id` is the cookie's value. */
export interface ActiveSession extends ConsoleSession {
  id: string;
}

/** What console handlers see: behind requireSession, a session and the API as its user. */
export type ConsoleEnv = { Variables: { session?: ActiveSession; api?: CallApi; requestId?: string } };
export type SignedInEnv = { Variables: { session: ActiveSession; api: CallApi; requestId?: string } };
