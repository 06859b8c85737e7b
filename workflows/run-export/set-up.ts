import { workflowInfo } from '@temporalio/workflow';
import { raiseAlert } from '../alert';
import { readSource } from '../read-source';
import { untilApproved } from '../removals';
import { needsApprovalPhase } from '../steering';
import { destination, store } from './activities';
import type { RunState } from './state';

/**
 * The run's setup, in order: its record (which execution it began in), the key (checked by finding the places its segments go,
 * which creates nothing), the source's pages (an external source), the freeze of its membership.
 * A dry run stops there. A real run then makes the places still missing, only when it has
 * something to send, and waits for an admin when its removals are over the export's share.
 */
export async function setUp(run: RunState): Promise<void> {
  const { settings, runId } = run;
  run.showDetails();
  await recordBeginning(run);
  const found = await destination().findPlaces({ connectionId: settings.connectionId, segmentIds: settings.segmentIds });
  run.enter('planning');
  await readSource(runId, settings);
  const { gate, removals, contacts, ...plan } = await store.planRun({ runId, settings, lists: found });
  run.planned = {
    ...plan,
    memberships: contacts,
    places: found,
    nextBatch: 0,
    membershipsExported: 0,
    membershipsRejected: 0,
    removals: removals ?? 0,
    nextRemoval: 0,
    removedMemberships: 0,
  };
  if (settings.dryRun) return;
  run.planned.places = await placesToSend(run, found);
  if (gate?.length) {
    // Nothing is sent while an admin looks: a mass removal usually means the segment's data broke.
    run.awaitingApproval = gate;
    run.enter(needsApprovalPhase(gate));
    void raiseAlert(settings, runId, 'blocked');
    await untilApproved(gate, () => run.awaitingApproval === undefined, run.options.blockedTimeoutMs);
  }
}

/** The places the key check found, and the missing ones made, only when the run sends something. */
async function placesToSend(run: RunState, found: Record<string, string>): Promise<Record<string, string>> {
  const missing = run.settings.segmentIds.filter((id) => found[id] === undefined);
  if (missing.length === 0 || run.planned!.batches === 0) return found;
  run.enter('preparing lists');
  return { ...found, ...(await destination().createPlaces({ connectionId: run.settings.connectionId, segmentIds: missing })) };
}

/**
 * Tells the run's record which workflow execution it began in. Its starter opened the record;
 * a run started before starters minted ids opens its own (its id is its first execution's), a
 * path kept while such runs may be in flight: remove it one retention period after the release
 * that minted ids.
 */
async function recordBeginning(run: RunState): Promise<void> {
  const { settings, runId, input } = run;
  const { workflowId, firstExecutionRunId } = workflowInfo();
  if (input.runId !== undefined) {
    await store.beginRun({ runId, workflowRunId: firstExecutionRunId });
    return;
  }
  await store.startRun({
    runId,
    exportId: settings.exportId,
    workflowId,
    trigger: input.trigger,
    ...(settings.dryRun && { dryRun: true }),
    ...(settings.redriveOf && { redriveOf: settings.redriveOf }),
  });
}
