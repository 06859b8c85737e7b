import type { Connection, Export, ImportResult, Outcome, Run, RunCounts, RunSummary } from './types';

/** Plain text for people: tables, lines and summaries. Every function returns text; printing is the caller's. */

export interface Column<T> {
  header: string;
  value: (row: T) => string;
}

const sum = (byReason: Record<string, number>) => Object.values(byReason).reduce((a, b) => a + b, 0);
export const count = (n: number) => n.toLocaleString('en-US');
const dash = (v: string | number | null | undefined) => (v === null || v === undefined || v === '' ? '-' : String(v));

/** Columns padded to their widest cell; the last one is not padded, so lines carry no trailing blanks. */
export function table<T>(rows: T[], columns: Column<T>[]): string {
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => c.value(r)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  return cells.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

/** 0:42, 3m 05s, 1h 02m: short enough for a progress line. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** "no email 3, duplicate email 1", or "0". */
export function byReason(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  return entries.length === 0 ? '0' : entries.map(([reason, n]) => `${reason} ${count(n)}`).join(', ');
}

/** Sent as the API counts it: what reached Autopilot, accepted or rejected. */
export const sentOf = (counts: RunCounts) => counts.exported + sum(counts.rejected);

/** What a progress bar or line shows besides the bar itself. */
export function progressFields(run: Run) {
  const c = run.counts;
  return {
    percent: run.percent === null ? '-' : `${Math.floor(run.percent)}%`,
    sent: `${count(sentOf(c))}/${count(c.total)}`,
    rejected: count(sum(c.rejected)),
    skipped: count(sum(c.skipped)),
    rate: run.throughput === null ? '-' : `${count(Math.round(run.throughput))}/s`,
    eta: duration(run.etaSeconds),
    phase: run.phase ?? run.status,
  };
}

/** The line printed every few seconds when stdout is not a terminal. */
export function progressLine(run: Run): string {
  const f = progressFields(run);
  return `run ${run.id}: ${f.phase} ${f.percent}, profiles sent ${f.sent}, rejected ${f.rejected}, skipped ${f.skipped}, ${f.rate}, ETA ${f.eta}\n`;
}

/** A run as `runs show` prints it: one fact a line. */
export function runDetails(run: Run): string {
  const c = run.counts;
  const lines: [string, string][] = [
    ['Run', run.id],
    ['Export', run.exportId],
    ['Status', run.status + (run.phase ? ` (${run.phase})` : '')],
    ['Trigger', run.trigger + (run.triggeredBy ? ` by ${run.triggeredBy}` : '')],
    ['Started', run.startedAt],
    ['Finished', dash(run.finishedAt)],
    ['Profiles', count(c.total)],
    ['Exported', count(c.exported)],
    ['Pending', count(c.pending)],
    ['Skipped', byReason(c.skipped)],
    ['Rejected', byReason(c.rejected)],
    ['Progress', run.percent === null ? '-' : `${run.percent}%`],
    ['Rate', run.throughput === null ? '-' : `${run.throughput} profiles/s`],
    ['ETA', duration(run.etaSeconds)],
  ];
  if (c.removed !== undefined) lines.push(['Removed', `${count(c.removed)} list memberships`]);
  // An API from before pause and resume sends no `paused`: then there is no line for it; so for modes, dry runs and re-drives.
  if (run.paused) lines.push(['Paused', `by ${run.paused.by} since ${run.paused.since}`]);
  if (run.mode) lines.push(['Mode', run.mode]);
  if (run.dryRun) lines.push(['Dry run', 'yes: planned and reported only, nothing sent']);
  if (run.redriveOf) lines.push(['Re-drive of', run.redriveOf]);
  if (run.error) lines.push(['Error', run.error]);
  // An API from before runs named their workflow sends none.
  if (run.workflow?.runId) lines.push(['Temporal', `workflow ${run.workflow.id}, run ${run.workflow.runId}`]);
  const width = Math.max(...lines.map(([k]) => k.length)) + 1;
  const text = lines.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n') + '\n';
  return run.plan ? text + planDetails(run.plan) : text;
}

type Plan = NonNullable<Run['plan']>;
/** Examples shown per category; `--json` has all the API gives (20). */
const EXAMPLES_SHOWN = 3;

/** A dry run's plan: one category a line, with a few examples (email and segment). */
export function planDetails(plan: Plan): string {
  const categories: [string, string, number][] = [
    ['To add', 'toAdd', plan.toAdd],
    ['To update', 'toUpdate', plan.toUpdate],
    ['Unchanged', 'unchanged', plan.unchanged],
    ['To remove', 'toRemove', plan.toRemove],
    // An API from before held removals were reported sends none.
    ...Object.entries(plan.removalsHeld ?? {}).map(([reason, n]): [string, string, number] => [`Not removed: ${reason}`, reason, n]),
    ...Object.entries(plan.skipped).map(([reason, n]): [string, string, number] => [`Skipped: ${reason}`, reason, n]),
  ];
  const width = Math.max(...categories.map(([label]) => label.length)) + 1;
  const numbers = Math.max(...categories.map(([, , n]) => count(n).length));
  const lines = categories.map(([label, key, n]) => {
    const examples = (plan.examples[key] ?? []).slice(0, EXAMPLES_SHOWN).map((e) => `${e.email === null ? '-' : JSON.stringify(e.email)} (${e.segmentId})`);
    const more = n > examples.length && examples.length > 0 ? ', …' : '';
    return `  ${`${label}:`.padEnd(width)} ${count(n).padStart(numbers)}${examples.length ? `  e.g. ${examples.join(', ')}${more}` : ''}`;
  });
  return `Plan (per (email, segment list); a real run would do this):\n${lines.join('\n')}\n`;
}

export const connectionsTable = (rows: Connection[]) =>
  table(rows, [
    { header: 'ID', value: (c) => c.id },
    { header: 'NAME', value: (c) => c.displayName },
    { header: 'TYPE', value: (c) => c.type },
    { header: 'USABLE BY', value: (c) => ('usableBy' in c ? c.usableBy : '-') },
    { header: 'REQ/S', value: (c) => ('requestsPerSecond' in c ? String(c.requestsPerSecond) : '-') },
    { header: 'KEY', value: (c) => ('apiKeyLast4' in c ? `…${c.apiKeyLast4}` : '-') },
    { header: 'URL', value: (c) => ('baseUrl' in c ? dash(c.baseUrl) : '-') },
  ]);

export const exportsTable = (rows: Export[]) =>
  table(rows, [
    { header: 'ID', value: (e) => e.id },
    { header: 'NAME', value: (e) => e.displayName },
    { header: 'ACTIVE', value: (e) => (e.active ? 'yes' : 'no') },
    { header: 'SEGMENTS', value: (e) => e.segmentIds.join(',') },
    { header: 'SCHEDULE', value: (e) => (e.schedule ? `${e.schedule.cron} (${e.schedule.timezone})` : '-') },
    { header: 'CONNECTION', value: (e) => dash(e.connectionId) },
  ]);

/** `incremental`, `full dry run`, `full re-drive`; `-` before it was planned (or from an API without modes). */
const runKind = (r: RunSummary) => [r.mode ?? '-', r.dryRun && 'dry run', r.redriveOf && 're-drive'].filter(Boolean).join(' ');

export const runsTable = (rows: RunSummary[]) =>
  table(rows, [
    { header: 'RUN', value: (r) => r.id },
    { header: 'STATUS', value: (r) => r.status },
    { header: 'TRIGGER', value: (r) => r.trigger },
    { header: 'MODE', value: runKind },
    { header: 'STARTED', value: (r) => r.startedAt },
    { header: 'FINISHED', value: (r) => dash(r.finishedAt) },
    { header: 'TOTAL', value: (r) => (r.counts ? count(r.counts.total) : r.totalProfiles === null ? '-' : count(r.totalProfiles)) },
    { header: 'EXPORTED', value: (r) => (r.counts ? count(r.counts.exported) : '-') },
    { header: 'SKIPPED', value: (r) => (r.counts ? count(sum(r.counts.skipped)) : '-') },
    { header: 'REJECTED', value: (r) => (r.counts ? count(sum(r.counts.rejected)) : '-') },
    { header: 'ERROR', value: (r) => dash(r.error) },
  ]);

export const outcomesTable = (rows: Outcome[]) =>
  table(rows, [
    { header: 'PROFILE', value: (o) => o.profileId },
    { header: 'STATUS', value: (o) => o.status },
    { header: 'REASON', value: (o) => dash(o.reason) },
    { header: 'SENT AS', value: (o) => dash(o.sentAs) },
    // Shown as the run read it: JSON-quoted, so stray spaces and tabs are visible.
    { header: 'EMAIL', value: (o) => (o.email === null ? '-' : JSON.stringify(o.email)) },
  ]);

export function importSummary(result: ImportResult): string {
  const head = `Imported ${count(result.imported)} profile${result.imported === 1 ? '' : 's'}, rejected ${count(result.rejected)} line${result.rejected === 1 ? '' : 's'}\n`;
  // The API's messages name their line already; others get it prepended.
  const byLine = (e: { line: number; message: string }) => (e.message.startsWith(`line ${e.line}:`) ? e.message : `line ${e.line}: ${e.message}`);
  const errors = result.errors.map((e) => `  ${byLine(e)}\n`).join('');
  const unlisted = result.rejected - result.errors.length;
  return head + errors + (unlisted > 0 ? `  (and ${count(unlisted)} more rejected line${unlisted === 1 ? '' : 's'} not listed)\n` : '');
}
