import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { errorMessage } from '../api-client';
import { ErrorPage } from '../components/error-page';
import type { SignedInEnv } from '../env';
import { readForm } from '../form';
import { csvBody, outcomesCsv } from '../outcomes-csv';
import { ConfirmPage, LivePanel, RunPage, type Outcome, type RunView } from '../pages/run';
import { paths } from '../paths';
import { page, viewerOf } from '../render';
import { SessionEnded } from '../session';
import { sleepUnless, type StreamRegistry } from '../streams';
import type { SessionStore } from '../../store/sessions';

type C = Context<SignedInEnv>;
export interface TemporalUi {
  url: string;
  namespace: string;
}

/** The run's workflow in the Temporal UI: the execution it began in, or the export's latest until it has begun. */
function workflowUrl(ui: TemporalUi, workflow: RunView['workflow']): string {
  const base = `${ui.url}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflow.id)}`;
  return workflow.runId ? `${base}/${encodeURIComponent(workflow.runId)}/history` : base;
}

/** A watched run is asked for at most this often per open page: watching must not slow it down. */
export const POLL_MS = 2_000;
const OUTCOMES_PER_PAGE = 50;
const runPath = (id: string) => `/runs/${encodeURIComponent(id)}`;

const DONE_NOTICES: Record<string, string> = {
  pause: 'Paused: nothing more is sent until it is resumed.',
  resume: 'Resumed.',
  cancel: 'Cancellation requested: the batches in flight finish, then it stops.',
  'approve-removals': 'Removals approved: the run goes on.',
};

async function exportName(c: C, exportId: string): Promise<string> {
  const answer = await c.var.api<{ displayName: string }>('GET', `/exports/${encodeURIComponent(exportId)}`);
  return answer.ok ? answer.body.displayName : exportId;
}

async function showRun(c: C, id: string, ui: TemporalUi, outcome: { notice?: string; error?: string } = {}) {
  const found = await c.var.api<RunView>('GET', runPath(id));
  if (!found.ok) return page(c, <ErrorPage viewer={viewerOf(c)} title="Run" message={errorMessage(found)} />, found.status === 404 ? 404 : 502);
  const run = found.body;
  const status: 'rejected' | 'skipped' = c.req.query('outcomes') === 'skipped' ? 'skipped' : 'rejected';
  const cursor = c.req.query('cursor');
  const query = `status=${status}&limit=${OUTCOMES_PER_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const rows = await c.var.api<{ outcomes: Outcome[]; nextCursor: string | null }>('GET', `${runPath(id)}/outcomes?${query}`);
  const outcomes = rows.ok ? { status, rows: rows.body.outcomes, nextCursor: rows.body.nextCursor } : { status, rows: [], nextCursor: null, error: errorMessage(rows) };
  const temporalUrl = workflowUrl(ui, run.workflow);
  const body = <RunPage viewer={viewerOf(c)} run={run} exportName={await exportName(c, run.exportId)} temporalUrl={temporalUrl} outcomes={outcomes} {...outcome} />;
  return page(c, body, outcome.error ? 409 : 200);
}

/** Pause, resume and re-drive at once; cancel and approve only once confirmed. */
async function act(c: C, action: string, ui: TemporalUi) {
  const id = c.req.param('id') as string;
  const needsConfirmation = action === 'cancel' || action === 'approve-removals';
  if (needsConfirmation && (await readForm(c)).text('confirmed') !== 'yes') return c.redirect(`${paths.runPage(id)}/${action}`, 303);
  const answer = await c.var.api<{ runId: string }>('POST', `${runPath(id)}/${action}`);
  if (!answer.ok) return showRun(c, id, ui, { error: errorMessage(answer) });
  if (action === 'redrive') return c.redirect(paths.runPage(answer.body.runId), 303);
  return c.redirect(`${paths.runPage(id)}?done=${action}`, 303);
}

async function confirm(c: C, action: 'cancel' | 'approve-removals') {
  const found = await c.var.api<RunView>('GET', runPath(c.req.param('id') as string));
  if (!found.ok) return page(c, <ErrorPage viewer={viewerOf(c)} title="Run" message={errorMessage(found)} />, 404);
  return page(c, <ConfirmPage viewer={viewerOf(c)} run={found.body} action={action} exportName={await exportName(c, found.body.exportId)} />);
}

export interface LiveDeps {
  sessions: SessionStore;
  streams: StreamRegistry;
  /** How often a watched run is asked for; {@link POLL_MS} by default. */
  pollMs?: number;
}

const STOPPED_NOTE = 'Live updates stopped: this session follows runs in more pages than it may at once. Reload the page to follow this one again.';

/**
 * The run's live panel as server-sent events: one GET /runs/:id every {@link POLL_MS} while the
 * page is open, the run goes and the session lasts, then a last panel and `done`, which closes
 * the browser's stream (without it, the browser would connect again). The session is looked up
 * in the store at every tick, so a sign-out anywhere (or its expiry) ends the stream; one here
 * ends it at once. A session has at most MAX_STREAMS_PER_SESSION (4) open: a new one ends
 * the oldest. A closed page ends its stream at once, with no further call to the API.
 */
function runEvents(c: C, deps: LiveDeps) {
  const id = c.req.param('id') as string;
  const session = c.var.session;
  const pollMs = deps.pollMs ?? POLL_MS;
  return streamSSE(c, async (sse) => {
    const watch = deps.streams.open(session.id);
    let gone = false;
    sse.onAbort(() => {
      gone = true;
      watch.close();
    });
    let panel = '';
    try {
      for (let tick = 0; !gone && !watch.signal.aborted; tick++) {
        if (tick > 0 && !(await deps.sessions.find(session.id))) break;
        const found = await c.var.api<RunView>('GET', runPath(id));
        if (!found.ok || gone || watch.signal.aborted) break;
        panel = String(await (<LivePanel run={found.body} viewer={viewerOf(c)} />));
        await sse.writeSSE({ event: 'progress', data: panel });
        if (found.body.status !== 'running') break;
        await sleepUnless(pollMs, watch.signal);
      }
    } catch (err) {
      // The API no longer takes the session's token: the session ends, and so does the stream.
      if (!(err instanceof SessionEnded)) throw err;
      await deps.sessions.remove(session.id);
      deps.streams.endSession(session.id);
    } finally {
      watch.close();
    }
    if (gone) return;
    if (watch.signal.reason === 'superseded' && panel) await sse.writeSSE({ event: 'progress', data: `${panel}${String(await (<p class="notice">{STOPPED_NOTE}</p>))}` });
    await sse.writeSSE({ event: 'done', data: '' });
  });
}

async function downloadCsv(c: C) {
  const id = c.req.param('id') as string;
  const status = c.req.query('status') === 'skipped' ? 'skipped' : 'rejected';
  let body: ReadableStream<Uint8Array>;
  try {
    body = await csvBody(outcomesCsv(c.var.api, id, status));
  } catch (err) {
    return page(c, <ErrorPage viewer={viewerOf(c)} title="Run" message={err instanceof Error ? err.message : String(err)} />, 502);
  }
  c.header('Content-Type', 'text/csv; charset=utf-8');
  c.header('Content-Disposition', `attachment; filename="run-${id.replace(/[^\w-]/g, '')}-${status}.csv"`);
  return c.body(body);
}

export function createRunRoutes(deps: { temporalUi: TemporalUi; live: LiveDeps }) {
  const ui = deps.temporalUi;
  return new Hono<SignedInEnv>()
    .get('/:id', (c) => showRun(c, c.req.param('id'), ui, { notice: DONE_NOTICES[c.req.query('done') ?? ''] }))
    .get('/:id/events', (c) => runEvents(c, deps.live))
    .get('/:id/outcomes.csv', downloadCsv)
    .get('/:id/cancel', (c) => confirm(c, 'cancel'))
    .get('/:id/approve-removals', (c) => confirm(c, 'approve-removals'))
    .post('/:id/:action{pause|resume|cancel|approve-removals|redrive}', (c) => act(c, c.req.param('action'), ui));
}
