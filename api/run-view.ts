import { percentDone, SkipReason, sumValues, type RunCounts } from '../domain/export';
import type { Db } from '../store/db';
import { detailsPurgedAt } from '../store/retention';
import { readRunPlan, type RunPlanView, type RunRow } from '../store/run-queries';
import { countOutcomes, countsFromTally } from '../store/runs';
import type { RunProgress } from '../workflows';

export const runLinks = (runId: string) => ({ self: `/runs/${runId}`, outcomes: `/runs/${runId}/outcomes` });

export function runSummary(run: RunRow) {
  return {
    id: run.id,
    exportId: run.exportId,
    status: run.status,
    trigger: run.trigger,
    triggeredBy: run.triggeredBy,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    totalProfiles: run.totalProfiles,
    counts: storedCounts(run) ?? keptCounts(run),
    error: run.error,
    mode: run.mode,
    dryRun: run.dryRun,
    redriveOf: run.redriveOf,
    workflow: { id: run.workflowId, runId: run.workflowRunId },
  };
}

/** What the run has kept of its counts as it went (see runs.tally): read with its row, whatever its size. */
function keptCounts(run: RunRow): RunCounts | null {
  return run.tally && countsFromTally(run.tally);
}

/** Summaries stored before `pending` was kept have none (an old failed run's then do not add up). */
function storedCounts(run: RunRow): RunCounts | null {
  const stored = run.summary as Partial<RunCounts> | null;
  return stored && ({ ...stored, pending: stored.pending ?? 0 } as RunCounts);
}

function progressView(p: RunProgress) {
  return {
    batchesDone: p.batchesDone,
    batches: p.batches ?? 0,
    membershipsSent: p.exportedItems,
    membershipsRejected: p.rejectedItems,
    memberships: p.contacts ?? null,
  };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * A run as GET /runs/:id shows it. While it runs, the counts it keeps in its row give percent,
 * throughput and ETA (they survive worker restarts), and its workflow's `progress` the phase.
 * Only a run planned before counts were kept has them counted from its items.
 */
export async function describeRun(run: RunRow, deps: { db: Db }, viewer: { admin: boolean }, progress?: RunProgress, now = Date.now()) {
  const running = run.status === 'running';
  const [live, plan] = await Promise.all([
    (running || !run.summary) && !run.tally ? countOutcomes(deps.db, run.id) : undefined,
    dryRunPlan(run, deps.db, viewer),
  ]);
  const counts = (running ? keptCounts(run) : (storedCounts(run) ?? keptCounts(run))) ?? (live as RunCounts);
  const sent = counts.exported + sumValues(counts.rejected);
  const seconds = ((run.finishedAt?.getTime() ?? now) - run.startedAt.getTime()) / 1000;
  const throughput = seconds > 0 ? round(sent / seconds, 2) : null;
  // Before the plan there is nothing to count: a share of nothing is not yet a percentage.
  const percent = counts.total > 0 || !running ? percentDone(counts) : null;
  const etaSeconds = running && throughput ? Math.ceil(counts.pending / throughput) : null;
  return {
    ...runSummary(run),
    counts,
    phase: running ? (progress?.phase ?? null) : null,
    paused: (running && progress?.paused) || null,
    progress: running && progress?.batches !== undefined ? progressView(progress) : null,
    percent,
    throughput,
    etaSeconds,
    plan,
    links: { ...runLinks(run.id), export: `/exports/${run.exportId}` },
  };
}

/**
 * A dry run's plan, once it is planned (it has a mode then) and while its details are kept. Read
 * from its items on every request: a dry run is looked at a few times, not followed second by second.
 */
async function dryRunPlan(run: RunRow, db: Db, viewer: { admin: boolean }): Promise<RunPlanView | null> {
  if (!run.dryRun || run.mode === null || (await detailsPurgedAt(db, run.id))) return null;
  const plan = await readRunPlan(db, run.id);
  return viewer.admin ? plan : maskPlan(plan);
}

/** Least privilege, as for outcomes: contributors see no value the run did not classify as an email. */
function maskPlan(plan: RunPlanView): RunPlanView {
  const invalid = plan.examples[SkipReason.INVALID_EMAIL];
  if (!invalid) return plan;
  return { ...plan, examples: { ...plan.examples, [SkipReason.INVALID_EMAIL]: invalid.map((e) => ({ ...e, email: null })) } };
}
