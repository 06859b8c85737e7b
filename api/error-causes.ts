import { ownGrpcStatus } from '../temporal/grpc-status';

/** Causes are followed this deep, no further: a cycle must not hang a log line. */
const MAX_DEPTH = 5;
/** A message is quoted to this length: enough to say what failed, not a dump. */
const MAX_MESSAGE = 300;

/**
 * What lies under an error, for the log of a 500: each cause's name and message and, for a
 * server's answer, its gRPC status and details ("Failed to start Workflow" says nothing alone).
 * Only names, messages and codes: never request bodies, headers or the objects themselves.
 */
export function errorCauses(err: unknown): Record<string, unknown>[] {
  const causes: Record<string, unknown>[] = [];
  let cause = (err as { cause?: unknown } | undefined)?.cause;
  for (let depth = 0; cause !== undefined && cause !== null && depth < MAX_DEPTH; depth++) {
    causes.push(describeError(cause));
    cause = (cause as { cause?: unknown }).cause;
  }
  return causes;
}

/** One error's name and message, with its gRPC status and details when a server answered it. */
export function describeError(cause: unknown): Record<string, unknown> {
  const { name, message } = cause as { name?: unknown; message?: unknown };
  const grpc = ownGrpcStatus(cause);
  const server = grpc ? { grpcStatus: grpc.status, grpcCode: grpc.code, details: clip(grpc.details) } : {};
  return { name: typeof name === 'string' ? name : typeof cause, message: clip(typeof message === 'string' ? message : String(cause)), ...server };
}

const clip = (text: string) => (text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE - 1)}…`);
