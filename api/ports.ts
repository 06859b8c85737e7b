import type { AlertInput } from '../activities';
import type { DestinationAccount, DestinationField, DestinationType } from '../destinations';
import type { RunTrigger } from '../domain/export';
import type { RunStart } from '../domain/run-input';
import type { Schedule } from '../store/exports';
import type { RunLabels } from '../domain/run-labels';
import type { ClosedStatus } from '../domain/run-status';
import type { SearchAttributeState } from '../temporal/search-attributes';
import type { PauseState, RunProgress } from '../workflows';

/**
 * The narrow ports the API needs from the outside world. Real implementations wrap Temporal
 * (run-launcher.ts, scheduler.ts) and the destinations (check-key.ts); route tests pass fakes.
 */

/** Checks a destination's key with one authenticated call: the account it belongs to; throws a `DestinationError` when it fails. */
export type CheckKey = (type: DestinationType, apiKey: string, baseUrl: string | null, region?: string | null) => Promise<DestinationAccount>;

/**
 * The fields a connection's account has, by id, for platforms whose fields must exist before a
 * mapping sends to them; undefined for the others. Throws a `DestinationError` when it fails.
 */
export type ListDestinationFields = (connectionId: string) => Promise<DestinationField[] | undefined>;

/**
 * Keeps one Temporal Schedule per scheduled, active export. Both methods are idempotent;
 * `upsert` throws {@link InvalidScheduleError} when Temporal refuses the spec.
 */
export interface Scheduler {
  /** `summary`: what each scheduled run does, shown on the schedule's action in the Temporal UI. */
  upsert(exportId: string, schedule: Schedule, summary?: string): Promise<void>;
  remove(exportId: string): Promise<void>;
}

/** What a run is started with by the API, which minted its id and opened its record. */
export type RunToStart = Omit<RunStart, 'source' | 'trigger' | 'runId'> & { runId: string };

export interface StartedRun {
  /** The run's id, as its starter minted it. */
  runId: string;
  workflowId: string;
  /** The workflow's first execution: stable across continue-as-new. */
  workflowRunId: string;
}

/** How a run's workflow ended, as Temporal tells it. */
export interface RunEnding {
  status: ClosedStatus;
  reason?: string;
}

export interface RunLauncher {
  /**
   * Starts the run whose record its caller opened (`run.runId`), of the export as saved, with this
   * run's request; throws {@link RunAlreadyGoingError} when the export already has one going.
   * Steering and reading how it ended address its workflow: the execution it began in, or, before
   * its workflow has recorded that, whatever execution holds the export's workflow id.
   */
  start(run: RunToStart, trigger: RunTrigger, labels: RunLabels): Promise<StartedRun>;
  /** Holds the run between batches; resolves once nothing is in flight. Throws {@link RunNotSteerableError} when it does not apply. */
  pause(workflowId: string, workflowRunId: string | undefined, by: string): Promise<PauseState>;
  /** Lets a paused run go on; throws {@link RunNotSteerableError} when it is not paused. */
  resume(workflowId: string, workflowRunId: string | undefined, by: string): Promise<void>;
  /**
   * Lets a run waiting for approval of its removals (mirror mode's safety gate) remove them;
   * throws {@link RunNotSteerableError} when it is not waiting for one.
   */
  approveRemovals(workflowId: string, workflowRunId: string | undefined, by: string): Promise<void>;
  /** The live progress of the run going under this workflow id; undefined when none answers quickly. */
  progress(workflowId: string): Promise<RunProgress | undefined>;
  /**
   * Requests cancellation; with `workflowRunId`, only of the run that began there. Returns false
   * when Temporal knows no such run; a run that just ended may still answer true (the server
   * accepts and ignores it).
   */
  cancel(workflowId: string, workflowRunId?: string): Promise<boolean>;
  /**
   * How the run that began in execution `workflowRunId` ended, following continue-as-new;
   * undefined while it is still going. Without one (its workflow has not recorded it), failed
   * unless a workflow is going under the id. Throws when Temporal cannot be asked.
   */
  ending(workflowId: string, workflowRunId: string | undefined): Promise<RunEnding | undefined>;
  /**
   * Raises the alert of a run whose workflow ended without closing its record (terminated, timed
   * out): once per run and event, however many times or processes reconcile it.
   */
  raiseAlert(input: AlertInput): Promise<void>;
  /** Whether the Temporal server answers now (for /health). */
  reachable(): Promise<boolean>;
  /** Whether the namespace has the runs' search attributes (for /health); absent where nothing checks them. */
  searchAttributes?(): Promise<SearchAttributeState>;
}

export class RunAlreadyGoingError extends Error {
  override readonly name = 'RunAlreadyGoingError';
  /** The run going now, when it could be found. */
  constructor(readonly runId: string | undefined) {
    super('A run of this export is already going');
  }
}

/** The run refused a pause or resume (with its reason), or is not going any more. */
export class RunNotSteerableError extends Error {
  override readonly name = 'RunNotSteerableError';
}

/** No worker took a pause or resume in time: the run's workers are down or busy. */
export class RunWorkersUnavailableError extends Error {
  override readonly name = 'RunWorkersUnavailableError';
  constructor() {
    super("The run's workers did not answer in time; try again shortly");
  }
}

/** Temporal refused the schedule's spec (our cron check should have caught it first). */
export class InvalidScheduleError extends Error {
  override readonly name = 'InvalidScheduleError';
}
