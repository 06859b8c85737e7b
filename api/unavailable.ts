import { isGrpcServiceError } from '@temporalio/client';

export type Dependency = 'store' | 'temporal';

/** gRPC UNAVAILABLE and DEADLINE_EXCEEDED: the Temporal server is down or does not answer. */
const GRPC_DOWN = new Set([14, 4]);
/** PostgreSQL's "server is shutting down / cannot connect now" family, and connection failures. */
const PG_DOWN = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
const SOCKET_DOWN = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * Which dependency an error says is down, if any: such errors are 503s with Retry-After, not
 * 500s. Autopilot's failures never get here (they are classified where Autopilot is called).
 */
export function unavailableDependency(err: unknown): Dependency | undefined {
  for (let e = err as { code?: unknown; cause?: unknown; message?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (isGrpcServiceError(e) && GRPC_DOWN.has(e.code)) return 'temporal';
    if ((e as { name?: string }).name === 'ServiceError' && isGrpcServiceError(e.cause) && GRPC_DOWN.has(e.cause.code)) return 'temporal';
    if (typeof e.code === 'string' && (PG_DOWN.has(e.code) || SOCKET_DOWN.has(e.code))) return 'store';
    if (typeof e.message === 'string' && /Connection terminated|terminating connection|Client has encountered a connection error/.test(e.message)) return 'store';
  }
  return undefined;
}
