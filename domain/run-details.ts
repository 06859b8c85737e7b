/** What the Temporal UI shows as a run's current details: pure, so the workflow can call it. */

export interface DetailsInput {
  phase: string;
  batchesDone: number;
  batches?: number;
  contactsSent: number;
  contactsRejected: number;
  contacts?: number;
  profilesSkipped?: number;
  /** Contacts per second in this execution, when it has sent some. */
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
  if (d.contacts !== undefined) {
    lines.push(
      `contacts sent ${n(d.contactsSent)} / ${n(d.contacts)} · rejected ${n(d.contactsRejected)} · profiles skipped ${n(d.profilesSkipped ?? 0)}`,
    );
    const left = d.contacts - d.contactsSent - d.contactsRejected;
    if (d.rate) lines.push(`${n(Math.round(d.rate))} contacts/s · ETA ${eta(left / d.rate)}`);
  }
  if (d.removals) lines.push(`removals ${n(d.removalsDone ?? 0)} / ${n(d.removals)}`);
  if (d.waitingOn) lines.push(`waiting: ${d.waitingOn}`);
  return lines.join('\n\n');
}
