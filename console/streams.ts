/** Live streams (a run's page) a session may have open at once in one API process. */
export const MAX_STREAMS_PER_SESSION = 4;

/** Why a stream was told to end: a newer one took its place, its session ended here, or the process is stopping. */
export type StreamEnd = 'superseded' | 'signed-out' | 'shutting-down';

export interface OpenStream {
  /** Aborted, with a {@link StreamEnd} as its reason, when the stream must end. */
  signal: AbortSignal;
  /** The stream ended (for whatever reason): its place is free. */
  close(): void;
}

/**
 * The console's open live streams in this process, by session: at most `maxPerSession` each, the
 * oldest told to end when a new one opens (a reloaded page or a new tab always gets live
 * updates), and all of a session's ended when it signs out here. Other processes learn of a
 * sign-out from the store, at their streams' next tick.
 */
export function createStreamRegistry(maxPerSession = MAX_STREAMS_PER_SESSION) {
  const bySession = new Map<string, Set<AbortController>>();
  /** Told to end, a stream no longer counts, though its loop may take a moment to notice. */
  const end = (streams: Set<AbortController>, which: AbortController[], why: StreamEnd) => {
    for (const stream of which) {
      streams.delete(stream);
      stream.abort(why);
    }
  };

  return {
    open(sessionId: string): OpenStream {
      const streams = bySession.get(sessionId) ?? bySession.set(sessionId, new Set()).get(sessionId)!;
      const stream = new AbortController();
      streams.add(stream);
      // A Set keeps insertion order: the first are the oldest.
      end(streams, [...streams].slice(0, Math.max(0, streams.size - maxPerSession)), 'superseded');
      return {
        signal: stream.signal,
        close() {
          streams.delete(stream);
          if (streams.size === 0 && bySession.get(sessionId) === streams) bySession.delete(sessionId);
        },
      };
    },
    /** Open streams not yet told to end: of one session, or of all. */
    count(sessionId?: string): number {
      if (sessionId !== undefined) return bySession.get(sessionId)?.size ?? 0;
      return [...bySession.values()].reduce((n, streams) => n + streams.size, 0);
    },
    /** Every stream of the session ends now. */
    endSession(sessionId: string): void {
      const streams = bySession.get(sessionId);
      if (streams) end(streams, [...streams], 'signed-out');
    },
    /** Every stream ends now (the server is closing: a stream would hold it open). */
    endAll(): void {
      for (const streams of bySession.values()) end(streams, [...streams], 'shutting-down');
    },
  };
}

export type StreamRegistry = ReturnType<typeof createStreamRegistry>;

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
