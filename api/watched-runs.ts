import type { RunRow } from '../store/run-queries';
import type { RunProgress } from '../workflows';
import type { Logger } from './logger';
import type { RunLauncher } from './ports';
import type { RunReconciler } from './run-reconciler';

/** How old an answer may be before a read asks again (in the background). */
const REFRESH_MS = 1_000;
/** A run nobody has read for this long is forgotten. */
const FORGET_MS = 60_000;

interface Watch {
  progress: RunProgress | undefined;
  askedAt: number;
  readAt: number;
  asking?: Promise<unknown>;
}

export interface WatchedRuns {
  /**
   * A running run as a reader sees it: its row, reconciled with Temporal, and its workflow's live
   * progress. The first read of a run waits for both; later ones are answered with the last
   * answer at once, and ask again in the background when it is older than a second. A client
   * polling a run thus costs neither Temporal nor the run's workers a round trip on its way:
   * what it reads is at most one of its polls old.
   */
  read(run: RunRow): Promise<{ run: RunRow; progress: RunProgress | undefined }>;
  /** Drops what is known of a run (it was steered from here): its next read asks again. */
  forget(runId: string): void;
}

export function createWatchedRuns(deps: { runs: RunLauncher; reconciler: RunReconciler; logger: Logger; refreshMs?: number }): WatchedRuns {
  const watches = new Map<string, Watch>();
  const refreshMs = deps.refreshMs ?? REFRESH_MS;

  /** Reconciles the run and asks its progress, side by side. */
  async function ask(run: RunRow): Promise<{ run: RunRow; progress: RunProgress | undefined }> {
    const [reconciled, progress] = await Promise.all([deps.reconciler.reconcile(run), deps.runs.progress(run.workflowId)]);
    const now = Date.now();
    if (reconciled.status === 'running') watches.set(run.id, { progress, askedAt: now, readAt: watches.get(run.id)?.readAt ?? now });
    else watches.delete(run.id);
    return { run: reconciled, progress };
  }

  function askInBackground(run: RunRow, watch: Watch): void {
    watch.asking = ask(run).catch((err: unknown) => {
      deps.logger.warn('Could not refresh a watched run', { runId: run.id, error: (err as Error).message });
      watch.asking = undefined;
    });
  }

  function forgetUnread(now: number): void {
    for (const [runId, watch] of watches) if (now - watch.readAt > FORGET_MS) watches.delete(runId);
  }

  return {
    async read(run) {
      const now = Date.now();
      forgetUnread(now);
      const watch = watches.get(run.id);
      if (!watch) return ask(run);
      watch.readAt = now;
      if (now - watch.askedAt >= refreshMs && !watch.asking) askInBackground(run, watch);
      return { run, progress: watch.progress };
    },
    forget: (runId) => void watches.delete(runId),
  };
}
