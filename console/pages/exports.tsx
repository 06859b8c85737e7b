import { CsrfField } from '../components/csrf-field';
import { Layout, type Viewer } from '../components/layout';
import { Notice } from '../components/notice';
import { StatusBadge } from '../components/status-badge';
import { formatDuration, formatNumber, When } from '../components/time';
import type { ExportView } from '../export-form';
import { paths } from '../paths';
import type { ScheduleView } from '../schedule';
import { SchedulePreview } from './schedule-preview';

/** A run as GET /exports/:id/runs lists it. */
export interface RunSummary {
  id: string;
  status: string;
  trigger: 'manual' | 'schedule';
  triggeredBy: string | null;
  startedAt: string;
  finishedAt: string | null;
  totalProfiles: number | null;
  counts: { total: number; exported: number; pending: number; skipped: Record<string, number>; rejected: Record<string, number> } | null;
  error: string | null;
  dryRun: boolean;
  redriveOf: string | null;
}

export interface ExportRow {
  export: ExportView;
  connectionName?: string;
  lastRun?: RunSummary;
  schedule?: ScheduleView;
}

export function ExportsPage({ viewer, rows, notice }: { viewer: Viewer; rows: ExportRow[]; notice?: string }) {
  return (
    <Layout title="Exports" viewer={viewer} section="exports">
      <h1>Exports</h1>
      <Notice kind="ok">{notice}</Notice>
      <p class="actions">
        <a class="button" href={paths.newExport}>
          Add an export
        </a>
      </p>
      {rows.length === 0 ? (
        <p>No exports yet.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Export</th>
                <th scope="col">Connection</th>
                <th scope="col">Status</th>
                <th scope="col">Last run</th>
                <th scope="col">Next run</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <td>
                    <a href={paths.exportPage(r.export.id)}>{r.export.displayName}</a>
                  </td>
                  <td>{r.connectionName ?? '—'}</td>
                  <td>{r.export.active ? <span class="badge completed">active</span> : <span class="badge inactive">inactive</span>}</td>
                  <td>
                    {r.lastRun ? (
                      <>
                        <StatusBadge status={r.lastRun.status} /> <a href={paths.runPage(r.lastRun.id)}><When iso={r.lastRun.startedAt} /></a>
                      </>
                    ) : (
                      'never'
                    )}
                  </td>
                  <td>{r.schedule?.nextIso ? <When iso={r.schedule.nextIso} /> : 'on demand'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

const sum = (r: Record<string, number> | undefined) => Object.values(r ?? {}).reduce((a, b) => a + b, 0);

export function duration(run: Pick<RunSummary, 'startedAt' | 'finishedAt'>, now = Date.now()): string {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  return formatDuration((end - Date.parse(run.startedAt)) / 1000);
}

export function RunHistory({ runs }: { runs: RunSummary[] }) {
  if (runs.length === 0) return <p>No runs yet.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Trigger</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col" class="num">Profiles</th>
            <th scope="col" class="num">Exported</th>
            <th scope="col" class="num">Skipped</th>
            <th scope="col" class="num">Rejected</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr>
              <td>
                <a href={paths.runPage(run.id)}>
                  <StatusBadge status={run.status} />
                </a>
                {run.dryRun && ' preview'}
                {run.redriveOf && ' re-drive'}
              </td>
              <td>
                {run.trigger === 'schedule' ? 'schedule' : 'manual'}
                {run.triggeredBy && `, ${run.triggeredBy}`}
              </td>
              <td>
                <When iso={run.startedAt} />
              </td>
              <td>{duration(run)}</td>
              <td class="num">{formatNumber(run.counts?.total ?? run.totalProfiles)}</td>
              <td class="num">{formatNumber(run.counts?.exported)}</td>
              <td class="num">{run.counts ? formatNumber(sum(run.counts.skipped)) : '—'}</td>
              <td class="num">{run.counts ? formatNumber(sum(run.counts.rejected)) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface ExportPageProps {
  viewer: Viewer;
  export: ExportView;
  connectionName?: string;
  schedule?: ScheduleView;
  runs: RunSummary[];
  notice?: string;
  error?: string;
  /** Shown once, right after alerts were set. */
  signingSecret?: string;
}

export function ExportPage(props: ExportPageProps) {
  const e = props.export;
  const id = e.id;
  return (
    <Layout title={e.displayName} viewer={props.viewer} section="exports">
      <p>
        <a href={paths.exports}>Exports</a>
      </p>
      <h1>{e.displayName}</h1>
      <Notice kind="ok">{props.notice}</Notice>
      <Notice kind="error">{props.error}</Notice>
      {props.signingSecret && (
        <p class="notice" role="status">
          Alert signing secret (shown once; keep it to verify signatures): <code>{props.signingSecret}</code>
        </p>
      )}
      <div class="actions">
        <form method="post" action={`${paths.exportPage(id)}/run`}>
          <CsrfField token={props.viewer.csrfToken} />
          <button type="submit">Run now</button>
        </form>
        <form method="post" action={`${paths.exportPage(id)}/preview`}>
          <CsrfField token={props.viewer.csrfToken} />
          <button type="submit" class="secondary">
            Preview
          </button>
        </form>
        <a class="button secondary" href={`${paths.exportPage(id)}/edit`}>
          Edit
        </a>
      </div>
      <dl class="facts">
        <dt>Connection</dt>
        <dd>{props.connectionName ?? (e.connectionId ? e.connectionId : 'none: detached, inactive')}</dd>
        <dt>Segments</dt>
        <dd>{e.segmentIds.join(', ')}</dd>
        <dt>Email</dt>
        <dd>{e.mapping.email}</dd>
        <dt>Names</dt>
        <dd>{[e.mapping.firstName, e.mapping.lastName].filter(Boolean).join(', ') || '—'}</dd>
        <dt>More fields</dt>
        <dd>
          {Object.entries(e.mapping.fields ?? {})
            .map(([field, attribute]) => `${field} ← ${attribute}`)
            .join(', ') || '—'}
        </dd>
        <dt>Mode</dt>
        <dd>
          {e.mode}
          {e.removeWhenLeaving && `, mirror (approval above ${e.maxRemovalShare} of a list)`}
        </dd>
        <dt>Schedule</dt>
        <dd>{e.schedule ? <SchedulePreview schedule={props.schedule ?? { next: [] }} /> : 'on demand only'}</dd>
        <dt>Alerts</dt>
        <dd>{e.alerts ? `${e.alerts.events.join(', ')} → ${e.alerts.webhookUrl}` : 'none'}</dd>
        <dt>Runs as</dt>
        <dd>{e.scheduleOwner ?? e.createdBy}</dd>
      </dl>
      <h2>Runs</h2>
      <RunHistory runs={props.runs} />
    </Layout>
  );
}
