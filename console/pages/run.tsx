import { CsrfField } from '../components/csrf-field';
import { Layout, type Viewer } from '../components/layout';
import { Notice } from '../components/notice';
import { StatusBadge } from '../components/status-badge';
import { formatDuration, formatNumber, When } from '../components/time';
import { paths } from '../paths';
import { duration, type RunSummary } from './exports';

/** A run as GET /runs/:id answers it (the parts the console reads). */
export interface RunView extends RunSummary {
  exportId: string;
  counts: NonNullable<RunSummary['counts']> & { removed?: number };
  paused: { by: string; since: string } | null;
  progress: { batchesDone: number; batches: number; membershipsSent: number; membershipsRejected: number; memberships: number | null } | null;
  phase: string | null;
  percent: number | null;
  throughput: number | null;
  etaSeconds: number | null;
  plan: RunPlan | null;
  /** Where the run is in Temporal: the export's workflow, and the execution the run began in once it has. */
  workflow: { id: string; runId: string | null };
}

interface RunPlan {
  toAdd: number;
  toUpdate: number;
  unchanged: number;
  toRemove: number;
  removalsHeld: Record<string, number>;
  skipped: Record<string, number>;
  examples: Record<string, { profileId: string | null; email: string | null; segmentId: string }[]>;
}

export interface Outcome {
  profileId: string;
  email: string | null;
  status: 'rejected' | 'skipped';
  reason: string | null;
  sentAs: string | null;
}

export const isWaitingForApproval = (run: RunView) => run.status === 'running' && (run.phase ?? '').startsWith('blocked: needs approval');
const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
const canRedrive = (run: RunView) =>
  run.status !== 'running' && run.status !== 'skipped' && !run.dryRun && (total(run.counts.rejected) > 0 || run.counts.pending > 0 || (run.counts.skipped['rejected before'] ?? 0) > 0);

/** What the run waits on, if anything: a person's pause, an approval, a refused key. */
function waitingOn(run: RunView): string | undefined {
  if (run.paused) return `paused by ${run.paused.by}`;
  if (run.phase?.startsWith('blocked')) return run.phase.replace(/^blocked: /, '');
  return undefined;
}

function ActionButton({ runId, action, label, viewer, kind }: { runId: string; action: string; label: string; viewer: Viewer; kind?: 'secondary' | 'danger' }) {
  return (
    <form method="post" action={`${paths.runPage(runId)}/${action}`}>
      <CsrfField token={viewer.csrfToken} />
      <button type="submit" class={kind}>
        {label}
      </button>
    </form>
  );
}

/** The buttons that apply now; cancel and approve ask first (on a page of their own, which works without script). */
function RunActions({ run, viewer }: { run: RunView; viewer: Viewer }) {
  const running = run.status === 'running';
  return (
    <div class="actions">
      {running && !run.paused && <ActionButton runId={run.id} action="pause" label="Pause" viewer={viewer} kind="secondary" />}
      {running && run.paused && <ActionButton runId={run.id} action="resume" label="Resume" viewer={viewer} />}
      {running && isWaitingForApproval(run) && viewer.role === 'admin' && (
        <a class="button" href={`${paths.runPage(run.id)}/approve-removals`}>
          Approve removals…
        </a>
      )}
      {running && (
        <a class="button secondary" href={`${paths.runPage(run.id)}/cancel`}>
          Cancel…
        </a>
      )}
      {canRedrive(run) && <ActionButton runId={run.id} action="redrive" label="Re-drive rejected and unsent" viewer={viewer} kind="secondary" />}
    </div>
  );
}

function Progress({ run }: { run: RunView }) {
  const p = run.progress;
  const percent = Math.round(run.percent ?? (run.status === 'completed' ? 100 : 0));
  const waiting = waitingOn(run);
  return (
    <section aria-labelledby="progress-heading">
      <h2 id="progress-heading">Progress</h2>
      <p>
        <StatusBadge status={run.status} paused={run.paused !== null} /> {run.phase && run.status === 'running' && <span>{run.phase}</span>}
      </p>
      <label for="run-progress">{percent} % of profiles done</label>
      <progress id="run-progress" max="100" value={String(percent)}>
        {percent} %
      </progress>
      <dl class="facts">
        <dt>Sent / total</dt>
        <dd>
          {p ? `${formatNumber(p.membershipsSent)} / ${formatNumber(p.memberships)} list memberships` : `${formatNumber(run.counts.exported)} / ${formatNumber(run.counts.total)} profiles`}
        </dd>
        <dt>Rate</dt>
        <dd>{run.throughput ? `${run.throughput.toFixed(1)} profiles/s` : '—'}</dd>
        <dt>ETA</dt>
        <dd>{run.etaSeconds !== null && run.status === 'running' ? formatDuration(run.etaSeconds) : '—'}</dd>
        <dt>Waits on</dt>
        <dd>{waiting ?? 'nothing'}</dd>
        <dt>Duration</dt>
        <dd>{duration(run)}</dd>
      </dl>
      {run.error && <p class="notice error">{run.error}</p>}
    </section>
  );
}

function CountsByReason({ run }: { run: RunView }) {
  const rows: [string, string, number][] = [
    ['Exported', '', run.counts.exported],
    ['Pending', '', run.counts.pending],
    ...Object.entries(run.counts.skipped).map(([reason, n]): [string, string, number] => ['Skipped', reason, n]),
    ...Object.entries(run.counts.rejected).map(([reason, n]): [string, string, number] => ['Rejected', reason, n]),
  ];
  return (
    <section aria-labelledby="counts-heading">
      <h2 id="counts-heading">Profiles by outcome</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Outcome</th>
              <th scope="col">Reason</th>
              <th scope="col" class="num">Profiles</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([outcome, reason, n]) => (
              <tr>
                <td>{outcome}</td>
                <td>{reason || '—'}</td>
                <td class="num">{formatNumber(n)}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">Total</th>
              <td></td>
              <td class="num">{formatNumber(run.counts.total)}</td>
            </tr>
          </tbody>
        </table>
      </div>
      {run.counts.removed !== undefined && <p>List memberships removed (mirror mode): {formatNumber(run.counts.removed)}</p>}
    </section>
  );
}

function Plan({ plan }: { plan: RunPlan }) {
  const lines: [string, string, number][] = [
    ['toAdd', 'To add', plan.toAdd],
    ['toUpdate', 'To update', plan.toUpdate],
    ['unchanged', 'Unchanged (not sent)', plan.unchanged],
    ['toRemove', 'To remove', plan.toRemove],
    ...Object.entries(plan.skipped).map(([reason, n]): [string, string, number] => [reason, `Skipped: ${reason}`, n]),
    ...Object.entries(plan.removalsHeld).map(([reason, n]): [string, string, number] => [`held ${reason}`, `Removals held: ${reason}`, n]),
  ];
  return (
    <section aria-labelledby="plan-heading">
      <h2 id="plan-heading">What a run would do</h2>
      <p class="hint">Per (profile, segment) delivery. Nothing was sent.</p>
      {lines.map(([key, label, n]) => (
        <details>
          <summary>
            {label}: {formatNumber(n)}
          </summary>
          <ul>
            {(plan.examples[key] ?? []).map((x) => (
              <li>
                {x.email ?? '(no valid email)'} → {x.segmentId}
                {x.profileId && ` (profile ${x.profileId})`}
              </li>
            ))}
          </ul>
        </details>
      ))}
    </section>
  );
}

/** Everything on the run's page that changes while it goes: sent again over SSE every 2 s. */
export function LivePanel({ run, viewer }: { run: RunView; viewer: Viewer }) {
  return (
    <>
      <RunActions run={run} viewer={viewer} />
      <Progress run={run} />
      {run.plan && <Plan plan={run.plan} />}
      <CountsByReason run={run} />
    </>
  );
}

interface RunPageProps {
  viewer: Viewer;
  run: RunView;
  exportName: string;
  temporalUrl: string;
  outcomes: { status: 'rejected' | 'skipped'; rows: Outcome[]; nextCursor: string | null; error?: string };
  notice?: string;
  error?: string;
}

export function RunPage(props: RunPageProps) {
  const { run, viewer } = props;
  const live = run.status === 'running' ? { 'hx-ext': 'sse', 'sse-connect': `${paths.runPage(run.id)}/events`, 'sse-swap': 'progress', 'sse-close': 'done' } : {};
  return (
    <Layout title={`Run of ${props.exportName}`} viewer={viewer} section="exports">
      <p>
        <a href={paths.exportPage(run.exportId)}>{props.exportName}</a>
      </p>
      <h1>
        {run.dryRun ? 'Preview' : 'Run'} started <When iso={run.startedAt} />
      </h1>
      <Notice kind="ok">{props.notice}</Notice>
      <Notice kind="error">{props.error}</Notice>
      <p>
        {run.trigger === 'schedule' ? 'Scheduled' : 'Started by hand'}
        {run.triggeredBy && ` by ${run.triggeredBy}`}
        {run.redriveOf && (
          <>
            {', re-driving '}
            <a href={paths.runPage(run.redriveOf)}>an earlier run</a>
          </>
        )}
        {' · '}
        <a href={props.temporalUrl}>Open in the Temporal UI</a>
      </p>
      <div id="live" aria-live="polite" {...live}>
        <LivePanel run={run} viewer={viewer} />
      </div>
      <Outcomes run={run} outcomes={props.outcomes} />
    </Layout>
  );
}

function Outcomes({ run, outcomes }: { run: RunView; outcomes: RunPageProps['outcomes'] }) {
  const other = outcomes.status === 'rejected' ? 'skipped' : 'rejected';
  const base = paths.runPage(run.id);
  return (
    <section aria-labelledby="outcomes-heading">
      <h2 id="outcomes-heading">{outcomes.status === 'rejected' ? 'Rejected profiles' : 'Skipped profiles'}</h2>
      <p class="actions">
        <a href={`${base}?outcomes=${other}#outcomes-heading`}>Show {other} instead</a>
        <a class="button secondary" href={`${base}/outcomes.csv?status=${outcomes.status}`} download>
          Download CSV
        </a>
      </p>
      {outcomes.error ? (
        <p>{outcomes.error}</p>
      ) : outcomes.rows.length === 0 ? (
        <p>None{run.status === 'running' ? ' so far' : ''}.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Profile</th>
                <th scope="col">Email</th>
                <th scope="col">Reason</th>
                <th scope="col">Sent as</th>
              </tr>
            </thead>
            <tbody>
              {outcomes.rows.map((o) => (
                <tr>
                  <td class="mono">{o.profileId}</td>
                  <td>{o.email ?? '—'}</td>
                  <td>{o.reason ?? '—'}</td>
                  <td class="mono">{o.sentAs ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {outcomes.nextCursor && (
        <p>
          <a href={`${base}?outcomes=${outcomes.status}&cursor=${encodeURIComponent(outcomes.nextCursor)}#outcomes-heading`}>Next page</a>
        </p>
      )}
    </section>
  );
}

export function ConfirmPage({ viewer, run, action, exportName }: { viewer: Viewer; run: RunView; action: 'cancel' | 'approve-removals'; exportName: string }) {
  const cancel = action === 'cancel';
  return (
    <Layout title={cancel ? 'Cancel the run' : 'Approve removals'} viewer={viewer} section="exports">
      <h1>{cancel ? `Cancel this run of “${exportName}”?` : `Let this run of “${exportName}” remove memberships?`}</h1>
      <p>
        {cancel
          ? 'The batches in flight finish; nothing more is sent. What was not sent is counted as pending and can be re-driven.'
          : `It waits: ${run.phase}. Approved, it takes those memberships off their Autopilot lists (contacts are never deleted).`}
      </p>
      <form class="actions" method="post" action={`${paths.runPage(run.id)}/${action}`}>
        <CsrfField token={viewer.csrfToken} />
        <input type="hidden" name="confirmed" value="yes" />
        <button type="submit" class="danger">
          {cancel ? 'Cancel the run' : 'Approve removals'}
        </button>
        <a href={paths.runPage(run.id)}>Go back</a>
      </form>
    </Layout>
  );
}
