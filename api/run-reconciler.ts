import type { AlertEvent } from '../domain/export';
import type { Db } from '../store/db';
import { createExportStore } from '../store/exports';
import { getRun, listOpenRuns, type RunRow } from '../store/run-queries';
import { closeRun, countOutcomes, keptCounts } from '../store/runs';
import type { Logger } from './logger';
import type { RunEnding, RunLauncher } from './ports';

export interface RunReconciler {
  /** The run as it really stands: closed from Temporal's account when its workflow ended without closing it. */
  reconcile(run: RunRow): Promise<RunRow>;
  /** Reconciles every run still marked running; returns how many were closed. */
  sweep(): Promise<number>;
  /** Sweeps every `intervalMs` until stopped. */
  start(intervalMs: number): () => void;
}

/** Runs reconciled per sweep, oldest first; a record exists only once its workflow does. */
const SWEEP_BATCH = 100;

/**
 * A run's starter opens its record a moment before it starts its workflow, which records itself
 * in it at its first step: until then, and for this long, the record is not asked about.
 */
const START_GRACE_MS = 60_000;

const beingStarted = (run: RunRow) => run.workflowRunId === null && Date.now() - run.startedAt.getTime() < START_GRACE_MS;

/**
 * The alert a run closed here raises. Terminated and timed out are `failed`: to whoever waits on
 * the export, the run stopped without finishing and nobody asked it to from here, which is what
 * `failed` promises; the message's `status` says which (`terminated`, `timed_out`).
 */
export const ALERT_EVENT_OF: Record<RunEnding['status'], AlertEvent> = {
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  terminated: 'failed',
  timed_out: 'failed',
};

/**
 * A run's record is closed by its own workflow. A workflow terminated, timed out, reset or deleted
 * by retention in Temporal never gets to, so the record is reconciled with Temporal both when it
 * is read and by a periodic sweep. Its counts then keep what was never sent as pending. Nor did
 * the workflow raise its alert (it does so only after closing its record), so that is raised here.
 */
export function createRunReconciler(deps: { db: Db; runs: RunLauncher; logger: Logger }): RunReconciler {
  const { db, runs, logger } = deps;

  async function reconcile(run: RunRow): Promise<RunRow> {
    if (run.status !== 'running' || beingStarted(run)) return run;
    const ending = await runs.ending(run.workflowId, run.workflowRunId ?? undefined).catch((err: unknown) => {
      logger.warn('Could not ask Temporal how a run stands', { runId: run.id, error: (err as Error).message });
      return undefined;
    });
    if (!ending) return run;
    // Raised before the record closes: when it cannot be, the run stays open for the next sweep.
    if (!(await raiseAlert(run, ending))) return run;
    await closeRun(db, run.id, ending.status, (await keptCounts(db, run.id)) ?? (await countOutcomes(db, run.id)), ending.reason);
    logger.info('Run closed from Temporal', { runId: run.id, status: ending.status });
    return (await getRun(db, run.id)) ?? run;
  }

  /** Starts the alert the export wants for this ending, if any; false when Temporal refused it. */
  async function raiseAlert(run: RunRow, ending: RunEnding): Promise<boolean> {
    const event = ALERT_EVENT_OF[ending.status];
    const wanted = (await createExportStore(db).get(run.exportId))?.alerts?.events.includes(event);
    if (!wanted) return true;
    return runs.raiseAlert({ exportId: run.exportId, runId: run.id, event, ending: { status: ending.status, reason: ending.reason } }).then(
      () => true,
      (err: unknown) => {
        logger.warn('Could not raise the alert of a run closed from Temporal', { runId: run.id, error: (err as Error).message });
        return false;
      },
    );
  }

  async function sweep(): Promise<number> {
    const open = await listOpenRuns(db, SWEEP_BATCH);
    let closed = 0;
    for (const run of open) if ((await reconcile(run)).status !== 'running') closed++;
    return closed;
  }

  return {
    reconcile,
    sweep,
    start(intervalMs) {
      let sweeping = false;
      const timer = setInterval(() => {
        if (sweeping) return;
        sweeping = true;
        sweep()
          .catch((err: unknown) => logger.warn('Run sweep failed', { error: (err as Error).message }))
          .finally(() => (sweeping = false));
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
