import { condition } from '@temporalio/workflow';
import { removeLeavers as removeInSlices } from '../removals';
import { destination } from './activities';
import { keyBlocked } from './send-batches';
import type { RunState } from './state';

/**
 * Mirror mode, once every upsert is done: takes the memberships that left their segments off their
 * places, a slice at a time, each paused like a batch. Returns false when history asks to continue
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
      run.removing = true;
      try {
        const summary = `removals ${first + 1}–${first + count} of ${planned.removals}`;
        return await withKey(() => destination(summary).removeMemberships({ runId: run.runId, connectionId: run.settings.connectionId, first, count }));
      } finally {
        run.removing = false;
      }
    },
    onProgress: () => {
      planned.nextRemoval = progress.nextRemoval;
      planned.removedMemberships = progress.removedItems;
      run.showDetails();
    },
  });
}
