import { Hono, type Context } from 'hono';
import { errorMessage, fieldIssues, type ApiAnswer } from '../api-client';
import { ErrorPage } from '../components/error-page';
import type { SignedInEnv } from '../env';
import { createBodyOf, NEW_EXPORT, patchOf, valuesFrom, valuesOf, type ExportView } from '../export-form';
import { readForm } from '../form';
import { ExportFormPage, type ExportFormValues, type FormChoices } from '../pages/export-form';
import { ExportPage, ExportsPage, type ExportRow, type RunSummary } from '../pages/exports';
import { SchedulePreview } from '../pages/schedule-preview';
import { paths } from '../paths';
import { fragment, page, viewerOf } from '../render';
import { describeSchedule } from '../schedule';

type C = Context<SignedInEnv>;
const exportPath = (id: string) => `/exports/${encodeURIComponent(id)}`;
const scheduleOf = (e: ExportView) => (e.schedule ? describeSchedule(e.schedule.cron, e.schedule.timezone) : undefined);

async function connectionNames(c: C): Promise<Map<string, string>> {
  const answer = await c.var.api<{ connections: { id: string; displayName: string }[] }>('GET', '/connections');
  return new Map((answer.ok ? answer.body.connections : []).map((x) => [x.id, x.displayName]));
}

/** The pickers' lists, from the API: usable connections, the source's segments and profile fields. */
async function formChoices(c: C): Promise<FormChoices> {
  const [connections, segments, fields] = await Promise.all([
    c.var.api<{ connections: FormChoices['connections'] }>('GET', '/connections'),
    c.var.api<{ segments: FormChoices['segments'] }>('GET', '/segments'),
    c.var.api<{ fields: FormChoices['profileFields'] }>('GET', '/profile-fields'),
  ]);
  return {
    connections: connections.ok ? connections.body.connections : [],
    segments: segments.ok ? segments.body.segments : [],
    profileFields: fields.ok ? fields.body.fields : [],
  };
}

function failure(c: C, title: string, answer: ApiAnswer<unknown>) {
  return page(c, <ErrorPage viewer={viewerOf(c)} title={title} message={errorMessage(answer)} />, answer.status === 404 ? 404 : answer.status === 403 ? 403 : 502);
}

async function showForm(c: C, v: { values: ExportFormValues; exportId?: string; mirrorNow: boolean; failed?: ApiAnswer<unknown> }) {
  const schedule = v.values.cron ? describeSchedule(v.values.cron, v.values.timezone) : undefined;
  const error = v.failed ? errorMessage(v.failed) : undefined;
  const body = (
    <ExportFormPage
      viewer={viewerOf(c)}
      exportId={v.exportId}
      values={v.values}
      choices={await formChoices(c)}
      schedule={schedule}
      mirrorNow={v.mirrorNow}
      error={error}
      issues={v.failed ? fieldIssues(v.failed) : undefined}
    />
  );
  return page(c, body, v.failed ? (v.failed.status === 403 ? 403 : 400) : 200);
}

async function showExport(c: C, id: string, outcome: { notice?: string; error?: string; signingSecret?: string } = {}) {
  const found = await c.var.api<ExportView>('GET', exportPath(id));
  if (!found.ok) return failure(c, 'Export', found);
  const [names, runs] = await Promise.all([connectionNames(c), c.var.api<{ runs: RunSummary[] }>('GET', `${exportPath(id)}/runs?limit=50`)]);
  const e = found.body;
  const connectionName = e.connectionId ? names.get(e.connectionId) : undefined;
  const props = { viewer: viewerOf(c), export: e, connectionName, schedule: scheduleOf(e), runs: runs.ok ? runs.body.runs : [], ...outcome };
  return page(c, <ExportPage {...props} />, outcome.error ? 409 : 200);
}

/** Starts a run (or a preview, a dry run) and goes to its page; a refusal (one is going) stays on the export. */
async function startRun(c: C, dryRun: boolean) {
  const id = c.req.param('id') as string;
  const answer = await c.var.api<{ runId: string }>('POST', `${exportPath(id)}/runs`, dryRun ? { dryRun: true } : undefined);
  if (answer.ok) return c.redirect(paths.runPage(answer.body.runId), 303);
  return showExport(c, id, { error: errorMessage(answer) });
}

export function createExportRoutes() {
  return new Hono<SignedInEnv>()
    .get('/', async (c) => {
      const answer = await c.var.api<{ exports: ExportView[] }>('GET', '/exports');
      if (!answer.ok) return failure(c, 'Exports', answer);
      const names = await connectionNames(c);
      const rows: ExportRow[] = [];
      for (const e of answer.body.exports) {
        const runs = await c.var.api<{ runs: RunSummary[] }>('GET', `${exportPath(e.id)}/runs?limit=1`);
        rows.push({ export: e, connectionName: e.connectionId ? names.get(e.connectionId) : undefined, lastRun: runs.ok ? runs.body.runs[0] : undefined, schedule: scheduleOf(e) });
      }
      return page(c, <ExportsPage viewer={viewerOf(c)} rows={rows} notice={c.req.query('deleted') !== undefined ? 'The export was deleted.' : undefined} />);
    })
    .get('/new', (c) => showForm(c, { values: NEW_EXPORT, mirrorNow: false }))
    .get('/schedule-preview', (c) => {
      const cron = c.req.query('cron')?.trim() ?? '';
      if (!cron) return fragment(c, <p class="hint">No schedule: runs only on demand.</p>);
      return fragment(c, <SchedulePreview schedule={describeSchedule(cron, c.req.query('timezone')?.trim() || 'UTC')} />);
    })
    .post('/', async (c) => {
      const values = valuesFrom(await readForm(c));
      const answer = await c.var.api<ExportView>('POST', '/exports', createBodyOf(values));
      if (!answer.ok) return showForm(c, { values, mirrorNow: false, failed: answer });
      return showExport(c, answer.body.id, { notice: 'Saved. It runs on its schedule, or now with Run now.', signingSecret: answer.body.alertSigningSecret });
    })
    .get('/:id', (c) => showExport(c, c.req.param('id')))
    .get('/:id/edit', async (c) => {
      const found = await c.var.api<ExportView>('GET', exportPath(c.req.param('id')));
      if (!found.ok) return failure(c, 'Export', found);
      return showForm(c, { values: valuesOf(found.body), exportId: found.body.id, mirrorNow: found.body.removeWhenLeaving });
    })
    .post('/:id', async (c) => {
      const id = c.req.param('id');
      const values = valuesFrom(await readForm(c));
      const current = await c.var.api<ExportView>('GET', exportPath(id));
      if (!current.ok) return failure(c, 'Export', current);
      const answer = await c.var.api<ExportView>('PATCH', exportPath(id), patchOf(values, current.body));
      if (!answer.ok) return showForm(c, { values, exportId: id, mirrorNow: current.body.removeWhenLeaving, failed: answer });
      return showExport(c, id, { notice: 'Saved.', signingSecret: answer.body.alertSigningSecret });
    })
    .post('/:id/run', (c) => startRun(c, false))
    .post('/:id/preview', (c) => startRun(c, true));
}
