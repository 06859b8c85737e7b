import { continueAsNew, setCurrentDetails, workflowInfo, type CancellationScope } from '@temporalio/workflow';
import type { ExportSettings, RemovalGateList } from '../../domain/export';
import { formatRunDetails } from '../../domain/run-details';
import { runSettings, type RunStart } from '../../domain/run-input';
import type { BatchPool } from '../batch-pool';
import { BLOCKED_ON_KEY, type PauseState, type RunPhase, type RunProgress } from '../steering';

/** Knobs for tests and tuning; the defaults are production's. */
export interface RunOptions {
  /** Batch activities in flight at once. The key's rate budget, not this, bounds requests per second. */
  concurrency?: number;
  /** Continue-as-new after this many batches (or earlier when the server suggests it). */
  batchesPerExecution?: number;
  /** At most this many batches per activity, sent one after the other: fewer round trips through Temporal per contact. */
  batchesPerActivity?: number;
  /** While the destination refuses the key mid-run, how often to check it again. */
  keyRecheckMs?: number;
  /** How long a run waits for someone to replace a refused key, or to approve its removals, before it fails. */
  blockedTimeoutMs?: number;
}

const DEFAULTS: Required<RunOptions> = {
  concurrency: 4,
  batchesPerExecution: 2_000,
  batchesPerActivity: 20,
  keyRecheckMs: 60_000,
  blockedTimeoutMs: 24 * 3600_000,
};

/** What a run planned and how far it got: all a continued execution needs (ids and counts only). */
export interface RunPlanned {
  totalProfiles: number;
  batches: number;
  /** List memberships the batches hold. */
  memberships: number;
  profilesSkipped: number;
  /** Segment id → the destination's place for it. */
  places: Record<string, string>;
  /** Every batch below this one is done. */
  nextBatch: number;
  /** List memberships sent so far, as the batches reported them (progress; the store has the counts). */
  membershipsExported: number;
  membershipsRejected: number;
  /** Mirror mode: memberships to take off their places, and how far that got. */
  removals: number;
  nextRemoval: number;
  removedMemberships: number;
}

export interface RunExportInput extends RunStart {
  options?: RunOptions;
  /** Set only by continue-as-new. */
  resume?: { runId: string; planned: RunPlanned; paused?: PauseState };
}

/**
 * One run as the workflow holds it: its settings, what it planned and how far it got, what it
 * shows (phase, pause, approval), and how it goes on in a new execution. The steps of the run
 * (workflows/run-export/*.ts) read and move it; the Temporal UI and the progress query show it.
 */
export class RunState {
  readonly runId: string;
  readonly settings: ExportSettings;
  readonly options: Required<RunOptions>;
  planned?: RunPlanned;
  phase: RunPhase;
  paused?: PauseState;
  awaitingApproval?: RemovalGateList[];
  /** The removals in flight, if any: a pause stops them and waits for them to stop. */
  removing?: CancellationScope;
  pool?: BatchPool;
  /** When this execution started and what was sent by then: its rate, for the UI. */
  private readonly started: { at: number; sent: number };

  constructor(readonly input: RunExportInput) {
    this.runId = input.resume?.runId ?? input.runId ?? workflowInfo().firstExecutionRunId;
    this.settings = runSettings(input);
    this.options = { ...DEFAULTS, ...input.options };
    this.planned = input.resume?.planned;
    this.paused = input.resume?.paused;
    this.phase = this.planned ? 'exporting' : 'validating';
    this.started = { at: Date.now(), sent: this.sent() };
  }

  /** Moves to a phase of the run, and says so in the Temporal UI. */
  enter(phase: RunPhase): void {
    this.phase = phase;
    this.showDetails();
  }

  progress(): RunProgress {
    const p = this.planned;
    return {
      phase: this.paused && (this.phase === 'exporting' || this.phase === 'removing') ? 'paused' : this.phase,
      totalProfiles: p?.totalProfiles,
      batches: p?.batches,
      batchesDone: (p?.nextBatch ?? 0) - (this.pool?.unfinished() ?? 0),
      exportedItems: p?.membershipsExported ?? 0,
      rejectedItems: p?.membershipsRejected ?? 0,
      contacts: p?.memberships,
      paused: this.paused,
      removals: p?.removals,
      removalsDone: p?.nextRemoval,
      awaitingApproval: this.awaitingApproval,
    };
  }

  /** The current details of the Temporal UI, with this execution's rate (workflow time is deterministic). */
  showDetails(): void {
    const p = this.progress();
    const seconds = (Date.now() - this.started.at) / 1000;
    const sent = this.sent() - this.started.sent;
    setCurrentDetails(
      formatRunDetails({
        phase: p.phase,
        batchesDone: p.batchesDone,
        batches: p.batches,
        profiles: p.totalProfiles,
        profilesSkipped: this.planned?.profilesSkipped,
        membershipsSent: p.exportedItems,
        membershipsRejected: p.rejectedItems,
        memberships: p.contacts,
        rate: seconds > 1 && sent > 0 ? sent / seconds : undefined,
        removals: p.removals,
        removalsDone: p.removalsDone,
        waitingOn: this.waitingOn(),
      }),
    );
  }

  /** Goes on in a new execution from where this one is: history stays small, whatever the run's size. */
  continueAsNew(): Promise<never> {
    return continueAsNew<(input: RunExportInput) => Promise<unknown>>({
      ...this.input,
      resume: { runId: this.runId, planned: this.planned!, paused: this.paused },
    });
  }

  private sent(): number {
    return (this.planned?.membershipsExported ?? 0) + (this.planned?.membershipsRejected ?? 0);
  }

  private waitingOn(): string | undefined {
    if (this.phase === BLOCKED_ON_KEY) return 'the destination refuses the API key: replace it on the connection (PATCH /connections/{id}) and the run goes on';
    if (this.awaitingApproval) return 'an admin to approve the removals (POST /runs/{id}/approve-removals) or cancel the run; nothing is sent meanwhile';
    return this.paused && `paused by ${this.paused.by} since ${this.paused.since}`;
  }
}
