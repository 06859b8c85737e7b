import { Context } from '@temporalio/activity';

/** Well inside every activity's heartbeat timeout (5 s at the least). */
const HEARTBEAT_EVERY_MS = 1_000;

/**
 * Runs `work` with the activity's cancellation signal, heartbeating from its first moment until it
 * settles: a killed worker's activity is taken up again within seconds, and Temporal tells an
 * activity it was cancelled (or timed out) only in answer to a heartbeat.
 */
export async function whileHeartbeating<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work(context.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}
