import { CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import { removeLeavers as removeInSlices } from '../removals';
import { destination } from './activities';
import { keyBlocked } from './send-batches';
import type { RunState } from './state';

/**
 * Mirror mode, once every upsert is done: takes the memberships that left their segments off their
 * places, a slice at a time; a pause stops the slice in flight after its current removals. Returns false when history asks to continue
 * as new first.
 */
export async function removeLeavers(run: RunState): Promise<boolean> {
  const planned = run.planned!;
  if (planned.removals === 0) return true;
  run.enter('removing');
  const withKey = keyBlocked(run);
  const progress = { removals: planned.removals, nextRemoval: planned.nextRemoval, removedItems: planned.removedMemberships };
  return removeInSlices(progress, {
    released: () => condition(() => run.paused === undefined),
    remove: async ({ first, count }) => {
      const scope = new CancellationScope();
      run.removing = scope;
      try {
        const summary = `removals ${first + 1}–${first + count} of ${planned.removals}`;
        return await scope.run(() => withKey(() => destination(summary).removeMemberships({ runId: run.runId, connectionId: run.settings.connectionId, first, count })));
      } catch (err) {
        // Paused mid-slice: the slice is taken up again on resume, and skips what it already removed.
        if (run.paused && scope.consideredCancelled && isCancellation(err)) return undefined;
        throw err;
      } finally {
        run.removing = undefined;
      }
    },
    onProgress: () => {
      planned.nextRemoval = progress.nextRemoval;
      planned.removedMemberships = progress.removedItems;
      run.showDetails();
    },
  });
}
