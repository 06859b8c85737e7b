/**
 * Failure `type` strings: how failures are recognised across Temporal boundaries
 * (class identity does not survive the workflow sandbox or a process hop).
 */
export const ErrorType = {
  DestinationAuth: 'DestinationAuthError',
  DestinationRejected: 'DestinationRejectedError',
  DestinationNotFound: 'DestinationNotFoundError',
  DestinationRateLimited: 'DestinationRateLimitedError',
  DestinationUnavailable: 'DestinationUnavailableError',
  WrongService: 'WrongServiceError',
  ConnectionNotFound: 'ConnectionNotFoundError',
  ProfileLimitExceeded: 'ProfileLimitExceededError',
  InvalidExportInput: 'InvalidExportInputError',
  OutboundRefused: 'OutboundRefusedError',
  RemovalsNotApproved: 'RemovalsNotApprovedError',
  ProfileSource: 'ProfileSourceError',
  RunNotRecorded: 'RunNotRecordedError',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];
