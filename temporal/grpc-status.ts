import { isGrpcServiceError } from '@temporalio/client';

/** gRPC's status codes by number: logs and messages name them, as `temporal` and grpcurl do. */
const STATUS_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

/** Causes are followed this deep, no further: a cycle must not hang a log line. */
const MAX_DEPTH = 5;

/** What a Temporal server answered: the gRPC status and the server's own words. */
export interface GrpcStatus {
  code: number;
  status: string;
  details: string;
}

/**
 * The gRPC status behind an error, if a server gave one. The SDK wraps it (a `ServiceError`
 * "Failed to start Workflow" whose `cause` carries the code and details); this looks through.
 */
export function grpcStatusOf(err: unknown): GrpcStatus | undefined {
  let e = err as { cause?: unknown } | undefined;
  for (let depth = 0; e && depth < MAX_DEPTH; depth++, e = e.cause as typeof e) {
    const status = ownGrpcStatus(e);
    if (status) return status;
  }
  return undefined;
}

/** The gRPC status of this error itself, when it is a server's answer. */
export function ownGrpcStatus(err: unknown): GrpcStatus | undefined {
  if (!isGrpcServiceError(err)) return undefined;
  return { code: err.code, status: STATUS_NAMES[err.code] ?? String(err.code), details: err.details };
}

/** "PERMISSION_DENIED: Request unauthorized.", or the error's own message when no server answered. */
export function describeGrpcError(err: unknown): string {
  const grpc = grpcStatusOf(err);
  if (grpc) return `${grpc.status}: ${grpc.details}`;
  return err instanceof Error ? err.message : String(err);
}
