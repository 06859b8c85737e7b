import { continueAsNew, proxyActivities } from '@temporalio/workflow';
// Only the types: the activities themselves run outside the sandbox.
import type { RetentionActivities } from '../activities/retention';

const { purgeExpiredRunDetails } = proxyActivities<RetentionActivities>({
  // A pass deletes a bounded number of rows, heartbeating after each chunk.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
  // Past this the purge gives up until the next scheduled run, which takes over where it stopped.
  scheduleToCloseTimeout: '6 hours',
});

export interface RetentionTotals {
  runsPurged: number;
  runsDeleted: number;
  rowsDeleted: number;
}

/** Passes per execution before continuing as new: about six events each. */
const PASSES_PER_EXECUTION = 500;

/**
 * What the retention schedule starts: purges the details of runs past the retention age, one
 * bounded pass after the other, until none is left. History holds counts only.
 */
export async function runDetailsRetention(carried?: RetentionTotals): Promise<RetentionTotals> {
  const totals: RetentionTotals = { runsPurged: 0, runsDeleted: 0, rowsDeleted: 0, ...carried };
  for (let pass = 0; pass < PASSES_PER_EXECUTION; pass++) {
    const { more, ...done } = await purgeExpiredRunDetails();
    totals.runsPurged += done.runsPurged;
    totals.runsDeleted += done.runsDeleted;
    totals.rowsDeleted += done.rowsDeleted;
    if (!more) return totals;
  }
  return continueAsNew<typeof runDetailsRetention>(totals);
}
