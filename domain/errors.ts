/**
 * Failure `type` strings: how failures are recognised across Temporal boundaries
 * (class identity does not survive the workflow sandbox or a process hop).
 */
export const ErrorType = {
  AutopilotAuth: 'AutopilotAuthError',
  AutopilotRejected: 'AutopilotRejectedError',
  AutopilotNotFound: 'AutopilotNotFoundError',
  AutopilotRateLimited: 'AutopilotRateLimitedError',
  AutopilotUnavailable: 'AutopilotUnavailableError',
  NotAutopilot: 'NotAutopilotError',
  ConnectionNotFound: 'ConnectionNotFoundError',
  ProfileLimitExceeded: 'ProfileLimitExceededError',
  InvalidExportInput: 'InvalidExportInputError',
  OutboundRefused: 'OutboundRefusedError',
  RemovalsNotApproved: 'RemovalsNotApprovedError',
  ProfileSource: 'ProfileSourceError',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];
