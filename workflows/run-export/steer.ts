import { condition, patched, setHandler } from '@temporalio/workflow';
import { approveRemovalsUpdate, pauseUpdate, progressQuery, resumeUpdate } from '../steering';
import type { RunState } from './state';

type By = { by: string };

/**
 * What people can do to a run while it goes: watch it (the progress query), pause it between
 * batches, resume it, and approve the removals it waits on. Each update is validated first, so a
 * refused one leaves no trace in history.
 */
export function steer(run: RunState): void {
  setHandler(progressQuery, () => run.progress());
  setHandler(
    pauseUpdate,
    async ({ by }: By) => {
      const pause = { by, since: new Date().toISOString() };
      run.paused = pause;
      run.pool?.interrupt();
      // deprecatePatch() once runs paused mid-removal before this deploy have closed (24 h); the patch goes a release later.
      if (run.removing && patched('pause-interrupts-removals')) run.removing.cancel();
      run.showDetails();
      await condition(() => (!run.pool || run.pool.inFlight() === 0) && !run.removing);
      return pause;
    },
    { validator: (_request: By) => refusePause(run) },
  );
  setHandler(
    resumeUpdate,
    async (_request: By) => {
      run.paused = undefined;
      run.showDetails();
      return { resumed: true as const };
    },
    { validator: (_request: By) => refuseResume(run) },
  );
  setHandler(
    approveRemovalsUpdate,
    async (_request: By) => {
      run.awaitingApproval = undefined;
      return { approved: true as const };
    },
    { validator: (_request: By) => refuseApproval(run) },
  );
}

function refusePause(run: RunState): void {
  if (run.paused) throw new Error(`The run is already paused (by ${run.paused.by} since ${run.paused.since})`);
  if (run.phase === 'finishing') throw new Error('The run is finishing: every batch is sent');
}

function refuseResume(run: RunState): void {
  if (!run.paused) throw new Error('The run is not paused');
}

function refuseApproval(run: RunState): void {
  if (!run.awaitingApproval) throw new Error('The run is not waiting for approval of its removals');
}
