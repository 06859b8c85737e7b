import { sumValues, type RunCounts } from '../domain/export';
import type { Db } from '../store/db';
import type { RunRow } from '../store/run-queries';
import { countOutcomes } from '../store/runs';
import type { RunLauncher } from './ports';

type Counts = RunCounts & { pending?: number };

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
    counts: run.summary as Counts | null,
    error: run.error,
  };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * A run as GET /runs/:id shows it. While it runs, the store's per-profile counts give throughput
 * and ETA (they survive worker restarts), and the workflow's progress query gives the phase and
 * batch-level percent; if the query does not answer, percent falls back to the counts.
 */
export async function describeRun(run: RunRow, deps: { db: Db; runs: RunLauncher }, now = Date.now()) {
  const running = run.status === 'running';
  const [progress, live] = await Promise.all([
    running ? deps.runs.progress(run.workflowId) : undefined,
    running || !run.summary ? countOutcomes(deps.db, run.id) : undefined,
  ]);
  const counts: Counts = live ?? (run.summary as RunCounts);
  const pending = live?.pending ?? 0;
  const sent = counts.exported + sumValues(counts.rejected);
  const seconds = ((run.finishedAt?.getTime() ?? now) - run.startedAt.getTime()) / 1000;
  const throughput = seconds > 0 ? round(sent / seconds, 2) : null;

  let percent: number | null = null;
  if (run.status === 'completed') percent = 100;
  else if (progress?.batches) percent = round((100 * progress.batchesDone) / progress.batches, 1);
  else if (sent + pending > 0) percent = round((100 * sent) / (sent + pending), 1);

  const etaSeconds = running && throughput ? Math.ceil(pending / throughput) : null;
  return {
    ...runSummary(run),
    counts,
    phase: running ? (progress?.phase ?? null) : null,
    percent,
    throughput,
    etaSeconds,
    links: { ...runLinks(run.id), export: `/exports/${run.exportId}` },
  };
}
