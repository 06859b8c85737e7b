import { SingleBar } from 'cli-progress';
import type { ApiClient } from './api-client';
import { ApiError, CliError } from './errors';
import { progressFields, progressLine } from './format';
import { hasEnded, type Run } from './types';

/** Shows a followed run as it goes. */
export interface Reporter {
  update(run: Run): void;
  stop(): void;
}

export interface FollowOptions {
  /** How often to read the run. */
  pollMs: number;
  reporter: Reporter;
  /** Aborted on Ctrl-C: following stops, the run goes on. */
  signal?: AbortSignal;
  /** Polls that may fail in a row (the API restarting, say) before following gives up. */
  maxFailures?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type FollowResult = { run: Run; interrupted: false } | { run: Run | undefined; interrupted: true };

/** Reads GET /runs/{runId} until the run has ended (or following is interrupted). */
export async function followRun(client: Pick<ApiClient, 'getRun'>, runId: string, options: FollowOptions): Promise<FollowResult> {
  const sleep = options.sleep ?? abortableSleep;
  const maxFailures = options.maxFailures ?? 5;
  let failures = 0;
  let last: Run | undefined;
  try {
    while (!options.signal?.aborted) {
      try {
        last = await client.getRun(runId);
        failures = 0;
        options.reporter.update(last);
        if (hasEnded(last)) return { run: last, interrupted: false };
      } catch (err) {
        if (!isTransient(err) || ++failures >= maxFailures) throw err;
      }
      await sleep(options.pollMs, options.signal);
    }
    return { run: last, interrupted: true };
  } finally {
    options.reporter.stop();
  }
}

/** Worth another try: the API was unreachable or failed on its side. A 4xx will not change by asking again. */
const isTransient = (err: unknown) => (err instanceof CliError && err.code === 'unreachable') || (err instanceof ApiError && err.status >= 500);

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(); // an abort event that already fired will not fire again
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A plain line per poll: for logs and pipes, where a redrawn bar would be noise. */
export function lineReporter(write: (text: string) => void): Reporter {
  return { update: (run) => write(progressLine(run)), stop: () => undefined };
}

export const silentReporter: Reporter = { update: () => undefined, stop: () => undefined };

/** Solid and shaded blocks: readable on any terminal with a Unicode font. */
export const BAR_CHARS = { barCompleteChar: '\u2588', barIncompleteChar: '\u2591' };

const BAR_FORMAT = '{bar} {pct} | sent {sent} | rejected {rejected} | skipped {skipped} | {rate} | ETA {etaText} | {phase}';

/** A live bar on a terminal. Its fill is the share of profiles done, as the API's percent counts it. */
export function barReporter(stream: NodeJS.WriteStream): Reporter {
  const bar = new SingleBar({ format: BAR_FORMAT, stream, hideCursor: true, barsize: 30, fps: 5, clearOnComplete: false, ...BAR_CHARS });
  let started = false;
  return {
    update(run) {
      const total = Math.max(run.counts.total, 1); // before the plan there is no total yet
      const done = run.counts.total - run.counts.pending;
      // Named apart from cli-progress's own placeholders (eta, percentage), which it would fill in itself.
      const fields = progressFields(run);
      const payload = { ...fields, pct: fields.percent, etaText: fields.eta };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
        return;
      }
      bar.setTotal(total);
      bar.update(done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
