/** Exit codes, as --help documents them. */
export const EXIT = {
  ok: 0,
  /** The API answered an error, could not be reached, or the arguments were wrong. */
  error: 1,
  /** A followed run ended, but not completed (failed, cancelled, terminated, timed out, skipped). */
  runNotCompleted: 2,
  /** Stopped following with Ctrl-C (the run itself goes on). */
  interrupted: 130,
} as const;

/** An answer of the API's error envelope `{ error: { code, message, details? } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Anything the user can fix without a stack trace: no token, a file that cannot be read, the API down. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** One line for stderr. The token is never part of an error, so none can leak through here. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const runId = typeof err.details?.runId === 'string' ? ` (run ${err.details.runId})` : '';
    return `${err.message}${runId} [${err.code}, HTTP ${err.status}]`;
  }
  if (err instanceof CliError) return err.message;
  return `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
}

/** The same error as a JSON document, so that a script reading stdout under --json always gets one. */
export function errorDocument(err: unknown): { error: { code: string; message: string; status?: number; details?: Record<string, unknown> } } {
  if (err instanceof ApiError) return { error: { code: err.code, message: err.message, status: err.status, details: err.details } };
  if (err instanceof CliError) return { error: { code: err.code, message: err.message } };
  return { error: { code: 'unexpected', message: describeError(err) } };
}
