import { ActivityFailure, ApplicationFailure, CancellationScope, isCancellation } from '@temporalio/workflow';
import { ErrorType } from '../../domain/errors';
import type { RunCounts } from '../../domain/export';
import { raiseAlert } from '../alert';
import { store } from './activities';
import type { RunState } from './state';

export interface RunResult {
  runId: string;
  counts: RunCounts;
}

/** Closes a run that did what it planned (a dry run: planned and reported) with its final counts. */
export async function complete(run: RunState): Promise<RunResult> {
  run.enter('finishing');
  const dryRun = run.settings.dryRun === true;
  const counts = await store.finishRun({ runId: run.runId, ...(dryRun && { dryRun }) });
  // A dry run sent nothing: there is nothing to tell.
  if (!dryRun) await raiseAlert(run.settings, run.runId, 'completed');
  return { runId: run.runId, counts };
}

/**
 * Closes a run that was cancelled or failed, once its batches in flight have settled, keeping
 * what it never sent as pending; then ends the workflow the same way, with the reason and type of
 * what stopped it (not a generic activity error). Anything else is a bug in the workflow: it is
 * rethrown, so the workflow task fails and is retried once fixed.
 */
export async function stop(run: RunState, err: unknown): Promise<never> {
  if (!isCancellation(err) && !(err instanceof ActivityFailure) && !(err instanceof ApplicationFailure)) throw err;
  const failure = innermost(err);
  const status = isCancellation(err) ? 'cancelled' : 'failed';
  // A run whose starter discarded its record was never a run: nothing to close, nobody to tell.
  if (failure.type !== ErrorType.RunNotRecorded) {
    await CancellationScope.nonCancellable(async () => {
      await run.pool?.settle();
      await store.failRun({ runId: run.runId, status, reason: failure.message });
      await raiseAlert(run.settings, run.runId, status);
    });
  }
  if (status === 'cancelled') throw err;
  throw ApplicationFailure.create({ message: failure.message, type: failure.type, nonRetryable: true, cause: err as Error });
}

/** The innermost failure: the engine's messages never carry profile data or keys. */
function innermost(err: unknown): { message: string; type?: string } {
  let e = err as { message: string; type?: string; cause?: unknown };
  while (e.cause instanceof Error) e = e.cause as typeof e;
  return { message: e.message, type: e.type };
}
