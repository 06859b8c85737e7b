import { ApplicationFailure } from '@temporalio/common';
import { log } from '@temporalio/activity';
import { destinationKind, type DestinationKind, type DestinationType } from '../destinations';
import { ErrorType } from '../domain/errors';
import type { ExportSettings, ProfileSourceKind, RunCounts } from '../domain/export';
import type { RunLabels } from '../domain/run-labels';
import type { ConnectionStore } from '../store/connections';
import type { Db } from '../store/db';
import { createExportStore, scheduleOwner, toSettings } from '../store/exports';
import * as freeze from '../store/freeze';
import * as runs from '../store/runs';

export interface StoreActivityDeps {
  db: Db;
  connections: ConnectionStore;
  /** Where this deployment reads profiles (PROFILE_SOURCE): recorded in the settings of the runs schedules start. */
  profileSource?: ProfileSourceKind;
  /** The platform behind each connection type (its contact shape); the engine's own unless a test brings another. */
  kinds?: (type: DestinationType) => DestinationKind;
}

/** The activities that keep a run's records in the store, registered on the main task queue only. */
export function createStoreActivities(deps: StoreActivityDeps) {
  const { db } = deps;
  return {
    /**
     * An export's current settings, the workers' profile source and its labels, or nothing when it
     * has no connection to run on: what a scheduled run starts with.
     */
    async loadExportSettings(input: { exportId: string }): Promise<{ settings: ExportSettings; source: ProfileSourceKind; createdBy: string; labels: RunLabels } | null> {
      const e = await createExportStore(db).get(input.exportId);
      if (!e?.connectionId) return null;
      const connection = await deps.connections.get(e.connectionId);
      const labels = { exportName: e.displayName, connectionName: connection?.displayName ?? e.connectionId, destination: connection && destinationKind(connection.type).label };
      // `createdBy` is the name the scheduled run is attributed to: the schedule's owner.
      return { settings: toSettings({ ...e, connectionId: e.connectionId }), source: deps.profileSource ?? 'builtin', createdBy: scheduleOwner(e), labels };
    },

    /**
     * Records the workflow execution the run began in. Its record gone means its starter was
     * refused and discarded it: the run must not go on.
     */
    async beginRun(input: { runId: string; workflowRunId: string }): Promise<void> {
      if (await runs.attachWorkflowRun(db, input.runId, input.workflowRunId)) return;
      throw ApplicationFailure.nonRetryable('The run has no record: its start was refused, so it does not go on', ErrorType.RunNotRecorded);
    },

    /** Opens the record of a run started before starters minted ids (its workflow opens it, named after its first execution). */
    async startRun(input: runs.RunRecord & runs.RunKind): Promise<void> {
      await runs.openRun(db, { ...input, workflowRunId: input.runId });
    },

    /** Opens the record of a run a schedule starts, before it starts it. */
    async openScheduledRun(input: runs.RunRecord): Promise<void> {
      await runs.openRun(db, input);
    },

    /**
     * Counts, applies the profile limit, and freezes the run's membership. `lists`: the export's
     * lists as the key check found them (absent for runs started before it looked them up).
     */
    async planRun(input: { runId: string; settings: ExportSettings; lists?: Record<string, string> }): Promise<freeze.RunPlan> {
      const { settings } = input;
      // A Dataverse run counts what it staged from Customer Insights (workflows/read-source.ts).
      const count = await freeze.countSegmentProfiles(db, settings.segmentIds, settings.source === 'dataverse' ? input.runId : undefined);
      if (count > settings.profileLimit && settings.onLimitExceeded === 'fail') {
        throw ApplicationFailure.nonRetryable(
          `The segments hold ${count} profiles, over this export's limit of ${settings.profileLimit}; ` +
            `narrow the segments or set onLimitExceeded to "send_first" to send the first ${settings.profileLimit}`,
          ErrorType.ProfileLimitExceeded,
        );
      }
      // The mode (incremental or full) is decided in the freeze's own transaction, from the export's sync state.
      const shape = (deps.kinds ?? destinationKind)((await deps.connections.get(settings.connectionId))?.type ?? 'autopilot');
      const { mode, fullBecause, removalsHeld, ...plan } = await freeze.snapshotRun(db, input.runId, settings, shape, input.lists);
      log.info('Run planned', { runId: input.runId, mode, ...(fullBecause && { fullBecause }), ...(removalsHeld && { removalsHeld }), ...plan });
      return plan;
    },

    /**
     * Closes the run with its profile-level counts; every profile must be accounted for. A dry run
     * sent nothing: it completes with what it would send still pending.
     */
    async finishRun(input: { runId: string; dryRun?: boolean }): Promise<RunCounts> {
      const counts = await closingCounts(db, input.runId);
      if (counts.pending > 0 && !input.dryRun) throw new Error(`Run ${input.runId} still has ${counts.pending} profiles pending`);
      await runs.closeRun(db, input.runId, 'completed', counts);
      return counts;
    },

    /** Closes a run cut short, keeping what was never sent as pending, so its counts still add up. */
    async failRun(input: { runId: string; status: 'failed' | 'cancelled'; reason: string }): Promise<void> {
      await runs.closeRun(db, input.runId, input.status, await closingCounts(db, input.runId), input.reason);
    },

    async recordSkippedRun(input: runs.RunRecord & { reason: string }): Promise<void> {
      await runs.recordSkippedRun(db, input);
    },
  };
}

export type StoreActivities = ReturnType<typeof createStoreActivities>;

/** The counts a run closes with: those it kept as it went, or, for a run planned before they were kept, counted from its items. */
async function closingCounts(db: Db, runId: string): Promise<RunCounts> {
  return (await runs.keptCounts(db, runId)) ?? runs.countOutcomes(db, runId);
}
