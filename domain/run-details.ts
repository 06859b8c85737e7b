/** What the Temporal UI shows as a run's current details: pure, so the workflow can call it. */

/**
 * Two units, named as such wherever a run's figures show: profiles (what GET /runs/{id} counts) and
 * list memberships (one contact on one segment's list: what each upsert carries).
 */
export interface DetailsInput {
  phase: string;
  batchesDone: number;
  batches?: number;
  /** Profiles in the run, and those it sends nothing (no or invalid email, a duplicate, unchanged, …). */
  profiles?: number;
  profilesSkipped?: number;
  membershipsSent: number;
  membershipsRejected: number;
  /** List memberships the run sends. */
  memberships?: number;
  /** List memberships per second in this execution, when it has sent some. */
  rate?: number;
  /** Mirror mode: memberships to take off lists, and how many are done. */
  removals?: number;
  removalsDone?: number;
  /** What the run waits on, if it waits. */
  waitingOn?: string;
}

const n = (x: number) => x.toLocaleString('en-US');

function eta(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** A few lines of Markdown: phase, progress, rate and ETA, and what the run is waiting on. */
export function formatRunDetails(d: DetailsInput): string {
  const lines = [`**${d.phase}**${d.batches === undefined ? '' : ` · batches ${n(d.batchesDone)} / ${n(d.batches)}`}`];
  if (d.profiles !== undefined) lines.push(`profiles ${n(d.profiles)} · skipped ${n(d.profilesSkipped ?? 0)}`);
  if (d.memberships !== undefined) {
    lines.push(`list memberships sent ${n(d.membershipsSent)} / ${n(d.memberships)} · rejected ${n(d.membershipsRejected)}`);
    const left = d.memberships - d.membershipsSent - d.membershipsRejected;
    if (d.rate) lines.push(`${n(Math.round(d.rate))} memberships/s · ETA ${eta(left / d.rate)}`);
  }
  if (d.removals) lines.push(`list memberships removed ${n(d.removalsDone ?? 0)} / ${n(d.removals)}`);
  if (d.waitingOn) lines.push(`waiting: ${d.waitingOn}`);
  return lines.join('\n\n');
}
