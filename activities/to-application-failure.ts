import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { AutopilotError } from '../autopilot/errors';
import { ErrorType } from '../domain/errors';

/** Autopilot answers no Retry-After; one second is the rate limit's own window. */
const RATE_LIMIT_RETRY_MS = 1_000;

/** The one place that decides whether an Autopilot failure is worth retrying. */
export function toApplicationFailure(err: unknown): unknown {
  if (!(err instanceof AutopilotError)) return err;
  switch (err.kind) {
    case 'auth':
      return ApplicationFailure.nonRetryable(err.message, ErrorType.AutopilotAuth);
    case 'rejected':
      return ApplicationFailure.nonRetryable(err.message, ErrorType.AutopilotRejected);
    case 'notFound':
      return ApplicationFailure.nonRetryable(err.message, ErrorType.AutopilotNotFound);
    // Asking the same wrong server again will not make it Autopilot.
    case 'notAutopilot':
      return ApplicationFailure.nonRetryable(err.message, ErrorType.NotAutopilot);
    case 'rateLimited':
      return ApplicationFailure.create({
        message: err.message,
        type: ErrorType.AutopilotRateLimited,
        nextRetryDelay: err.retryAfterMs ?? RATE_LIMIT_RETRY_MS,
        category: ApplicationFailureCategory.BENIGN,
      });
    default:
      return ApplicationFailure.retryable(err.message, ErrorType.AutopilotUnavailable);
  }
}
