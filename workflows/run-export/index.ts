import { complete, stop, type RunResult } from './close';
import { removeLeavers } from './remove-leavers';
import { sendBatches } from './send-batches';
import { setUp } from './set-up';
import { RunState, type RunExportInput } from './state';
import { steer } from './steer';

export type { RunResult } from './close';
export type { RunExportInput, RunOptions, RunPlanned } from './state';

/**
 * One run of an export: set up (key, places, source, freeze; an admin's approval when its removals
 * are over the share), send the batches, take the leavers off (mirror mode), close. It continues
 * as new before history grows large, carries ids and counts only, and is steered by updates
 * (pause, resume, approve removals) and watched through its progress query and current details.
 */
export async function runExport(input: RunExportInput): Promise<RunResult> {
  const run = new RunState(input);
  steer(run);
  try {
    if (!run.planned) {
      await setUp(run);
      if (run.settings.dryRun) return await complete(run);
    }
    if (!(await sendBatches(run))) return await run.continueAsNew();
    if (!(await removeLeavers(run))) return await run.continueAsNew();
    return await complete(run);
  } catch (err) {
    return stop(run, err);
  }
}
