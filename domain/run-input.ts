import type { ExportSettings, ProfileSourceKind, RunTrigger, SyncMode } from './export';

/** What one run is asked for, beyond the export's saved settings. */
export interface RunRequest {
  /** Plan and report only: nothing is sent, the sync state stays as it was. */
  dryRun?: boolean;
  /** This run only: `full` sends everything whatever the sync state; default: the export's mode. */
  mode?: SyncMode;
  /** A re-drive: only this run's rejected, parked (and, if it did not complete, pending) profiles. */
  redriveOf?: string;
}

/** What a run is started with: the export as saved when it starts, this run's request, where its profiles come from. */
export interface RunStart {
  /**
   * The run's id, minted by whoever starts it, which opened its record before starting it.
   * Absent only in runs started before starters minted ids (their workflow opened the record).
   */
  runId?: string;
  export: ExportSettings;
  request: RunRequest;
  /** The deployment's profile source (PROFILE_SOURCE). */
  source: ProfileSourceKind;
  trigger: RunTrigger;
}

/** The one place a run's settings are assembled from what it was started with. */
export function runSettings(start: Pick<RunStart, 'export' | 'request' | 'source'>): ExportSettings {
  const { dryRun, mode, redriveOf } = start.request;
  return {
    ...start.export,
    source: start.source,
    ...(dryRun && { dryRun: true }),
    ...(mode && { mode }),
    ...(redriveOf && { redriveOf }),
  };
}
