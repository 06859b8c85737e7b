import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { DestinationError } from '../destinations/errors';
import { ErrorType } from '../domain/errors';

/** A destination that answers no Retry-After: one second is a rate limit's own window. */
const RATE_LIMIT_RETRY_MS = 1_000;

/** The one place that decides whether a destination's failure is worth retrying. */
export function toApplicationFailure(err: unknown): unknown {
  if (!(err instanceof DestinationError)) return err;
  switch (err.kind) {
    case 'auth':
      return ApplicationFailure.nonRetryable(err.message, ErrorType.DestinationAuth);
    case 'rejected':
      return ApplicationFailure.nonRetryable(err.message, ErrorType.DestinationRejected);
    case 'notFound':
      return ApplicationFailure.nonRetryable(err.message, ErrorType.DestinationNotFound);
    // Asking the same wrong server again will not make it the destination.
    case 'wrongService':
      return ApplicationFailure.nonRetryable(err.message, ErrorType.WrongService);
    case 'rateLimited':
      return ApplicationFailure.create({
        message: err.message,
        type: ErrorType.DestinationRateLimited,
        nextRetryDelay: err.retryAfterMs ?? RATE_LIMIT_RETRY_MS,
        category: ApplicationFailureCategory.BENIGN,
      });
    default:
      return ApplicationFailure.retryable(err.message, ErrorType.DestinationUnavailable);
  }
}
