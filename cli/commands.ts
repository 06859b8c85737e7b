import { allOutcomes, type ApiClient, type StartOptions } from './api-client';
import { EXIT } from './errors';
import { barReporter, followRun, lineReporter, silentReporter, type Reporter } from './follow';
import { connectionsTable, exportsTable, importSummary, outcomesTable, runDetails, runsTable } from './format';
import { terminal, type Io } from './io';
import type { Run, RunAction, RunStarted } from './types';
import { byteBar, importFile, noByteProgress } from './upload';

/** What every command gets: the API, where to write, and how the user wants it. */
export interface Context {
  client: ApiClient;
  io: Io;
  json: boolean;
  /** Seconds between plain progress lines (and at most between polls) when following. */
  intervalSeconds: number;
}

/** Under --json: exactly one JSON document on stdout. */
const printJson = (ctx: Context, doc: unknown) => ctx.io.stdout.write(JSON.stringify(doc, null, 2) + '\n');

function printList<T>(ctx: Context, key: string, rows: T[], render: (rows: T[]) => string, none: string): number {
  if (ctx.json) printJson(ctx, { [key]: rows });
  else ctx.io.stdout.write(rows.length === 0 ? `${none}\n` : render(rows));
  return EXIT.ok;
}

export const listConnections = async (ctx: Context) =>
  printList(ctx, 'connections', await ctx.client.listConnections(), connectionsTable, 'No connections.');

export const listExports = async (ctx: Context) => printList(ctx, 'exports', await ctx.client.listExports(), exportsTable, 'No exports.');

export const listRuns = async (ctx: Context, exportId: string) =>
  printList(ctx, 'runs', await ctx.client.listRuns(exportId), runsTable, 'No runs of this export yet.');

export async function startRun(ctx: Context, exportId: string, follow: boolean, options: StartOptions = {}): Promise<number> {
  const started = await ctx.client.startRun(exportId, options);
  return announce(ctx, started, follow, `Started ${options.dryRun ? 'dry run' : 'run'} ${started.runId}`);
}

/** A re-drive: a new run of the run's rejected, parked and (if it did not complete) unsent profiles. */
export async function redriveRun(ctx: Context, runId: string, follow: boolean): Promise<number> {
  const started = await ctx.client.redriveRun(runId);
  return announce(ctx, started, follow, `Started run ${started.runId}, re-driving run ${runId}`);
}

/** Says a run started and how to follow it, or follows it. */
async function announce(ctx: Context, started: RunStarted, follow: boolean, what: string): Promise<number> {
  if (follow) return followToEnd(ctx, started.runId);
  if (ctx.json) printJson(ctx, started);
  else ctx.io.stdout.write(`${what}\nFollow it with: segment-export runs show ${started.runId} --follow\n`);
  return EXIT.ok;
}

export async function showRun(ctx: Context, runId: string, follow: boolean): Promise<number> {
  if (follow) return followToEnd(ctx, runId);
  const run = await ctx.client.getRun(runId);
  if (ctx.json) printJson(ctx, run);
  else ctx.io.stdout.write(runDetails(run));
  return EXIT.ok;
}

export async function actOnRun(ctx: Context, runId: string, action: RunAction): Promise<number> {
  const result = await ctx.client.runAction(runId, action);
  if (ctx.json) printJson(ctx, result);
  else ctx.io.stdout.write(`Run ${result.runId}: ${result.status}\n`);
  return EXIT.ok;
}

/** Mirror mode's safety gate (admins): lets a run blocked on its planned removals go on and remove them. */
export async function approveRemovals(ctx: Context, runId: string): Promise<number> {
  const result = await ctx.client.runAction(runId, 'approve-removals');
  if (ctx.json) printJson(ctx, result);
  else ctx.io.stdout.write(`Run ${result.runId}: removals approved${result.approvedBy ? ` by ${result.approvedBy}` : ''}; it goes on\n`);
  return EXIT.ok;
}

export async function listOutcomes(ctx: Context, runId: string, status?: string): Promise<number> {
  const none = status ? `No ${status} profiles.` : 'No skipped or rejected profiles.';
  return printList(ctx, 'outcomes', await allOutcomes(ctx.client, runId, status), outcomesTable, none);
}

export async function importProfiles(ctx: Context, file: string): Promise<number> {
  const progress = !ctx.json && ctx.io.stdout.isTTY ? byteBar(terminal(ctx.io.stdout)) : noByteProgress;
  const result = await importFile(ctx.client, file, progress);
  if (ctx.json) printJson(ctx, result);
  else ctx.io.stdout.write(importSummary(result));
  return EXIT.ok;
}

/**
 * A bar where someone watches (stdout a terminal; stderr under --json, since stdout then carries
 * the document), plain lines where a log reads it, nothing where neither would make sense.
 */
function chooseReporter(ctx: Context): { reporter: Reporter; pollMs: number } {
  const intervalMs = ctx.intervalSeconds * 1000;
  const barPollMs = Math.min(1000, intervalMs);
  if (ctx.json) return ctx.io.stderr.isTTY ? { reporter: barReporter(terminal(ctx.io.stderr)), pollMs: barPollMs } : { reporter: silentReporter, pollMs: intervalMs };
  if (ctx.io.stdout.isTTY) return { reporter: barReporter(terminal(ctx.io.stdout)), pollMs: barPollMs };
  return { reporter: lineReporter((t) => ctx.io.stdout.write(t)), pollMs: intervalMs };
}

/** Follows a run until it ends; the exit code says whether it completed. */
async function followToEnd(ctx: Context, runId: string): Promise<number> {
  const interrupts = ctx.io.interrupts();
  try {
    const result = await followRun(ctx.client, runId, { ...chooseReporter(ctx), signal: interrupts.signal });
    if (result.interrupted) {
      ctx.io.stderr.write(`Stopped following run ${runId}; it goes on (stop it with: segment-export runs cancel ${runId})\n`);
      if (ctx.json && result.run) printJson(ctx, result.run);
      return EXIT.interrupted;
    }
    return reportEnd(ctx, result.run);
  } finally {
    interrupts.dispose();
  }
}

function reportEnd(ctx: Context, run: Run): number {
  if (ctx.json) printJson(ctx, run);
  else ctx.io.stdout.write(runDetails(run));
  if (run.status === 'completed') return EXIT.ok;
  ctx.io.stderr.write(`Run ${run.id} ended ${run.status}${run.error ? `: ${run.error}` : ''}\n`);
  return EXIT.runNotCompleted;
}
