import type { Readable } from 'node:stream';
import axios from 'axios';
import type { OutboundPolicy } from '../outbound/policy';

export interface AlertPost {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** The whole exchange, connecting to status line: an idle timeout would let a trickle last for days. */
  deadlineMs: number;
  /** Stops it sooner: the activity's cancellation (the alert cancelled, the worker shutting down). */
  signal: AbortSignal;
  /** The outbound policy's agents: they refuse a name that resolves to a private address. */
  agents: ReturnType<OutboundPolicy['agents']>;
}

/** Why a receiver did not take an alert, in our words: the library's may quote the response. */
export class AlertPostError extends Error {
  override readonly name = 'AlertPostError';
}

/**
 * POSTs one alert and answers the receiver's status. Only the status line is awaited and the body
 * is never read, so a receiver can hold this for `deadlineMs` at most, however slowly it answers.
 * Cancellation rethrows the signal's reason (Temporal's CancelledFailure) for the SDK to report.
 */
export async function postAlert(post: AlertPost): Promise<number> {
  const deadline = AbortSignal.timeout(post.deadlineMs);
  try {
    const res = await axios.post<Readable>(post.url, post.body, {
      headers: { 'content-type': 'application/json', ...post.headers },
      signal: AbortSignal.any([post.signal, deadline]),
      ...post.agents,
      maxRedirects: 0,
      // No proxy from the environment: the outbound checks must see the receiver's own address.
      proxy: false,
      responseType: 'stream',
      validateStatus: () => true,
    });
    res.data.destroy();
    return res.status;
  } catch (err) {
    if (post.signal.aborted) throw post.signal.reason ?? err;
    if (deadline.aborted) throw new AlertPostError(`did not answer within ${post.deadlineMs / 1000} s`);
    throw new AlertPostError(`could not be reached (${(err as { code?: string }).code ?? 'error'})`);
  }
}
