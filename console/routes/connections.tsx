import { Hono, type Context } from 'hono';
import { errorMessage, fieldIssues } from '../api-client';
import { ErrorPage } from '../components/error-page';
import type { SignedInEnv } from '../env';
import { readForm, type Form } from '../form';
import {
  ConnectionPage,
  ConnectionsPage,
  NewConnectionPage,
  RemoveConnectionPage,
  typeLabel,
  type ConnectionFormValues,
  type ConnectionView,
  type ExportRef,
} from '../pages/connections';
import { paths } from '../paths';
import { page, viewerOf } from '../render';

type C = Context<SignedInEnv>;

const EMPTY: ConnectionFormValues = { displayName: '', usableBy: 'admins', baseUrl: '', requestsPerSecond: '', type: 'autopilot', region: '' };

function valuesFrom(form: Form): ConnectionFormValues {
  return {
    displayName: form.text('displayName'),
    usableBy: form.text('usableBy') === 'admins_and_contributors' ? 'admins_and_contributors' : 'admins',
    baseUrl: form.text('baseUrl'),
    requestsPerSecond: form.text('requestsPerSecond'),
    type: form.text('type') || 'autopilot',
    region: form.text('region'),
  };
}

const valuesOf = (x: ConnectionView): ConnectionFormValues => ({
  displayName: x.displayName,
  usableBy: x.usableBy ?? 'admins',
  baseUrl: x.baseUrl ?? '',
  requestsPerSecond: String(x.requestsPerSecond ?? ''),
  type: x.type,
  region: x.region ?? '',
});

/** A number field as the API wants it: absent when empty, a number otherwise (a non-number is the API's to refuse). */
const numberOrAbsent = (text: string) => (text === '' ? undefined : Number.isFinite(Number(text)) ? Number(text) : text);

async function exportsUsing(c: C, connectionId: string): Promise<ExportRef[]> {
  const answer = await c.var.api<{ exports: (ExportRef & { connectionId: string | null })[] }>('GET', '/exports');
  return answer.ok ? answer.body.exports.filter((e) => e.connectionId === connectionId) : [];
}

async function connectionOrError(c: C, id: string): Promise<ConnectionView | Response> {
  const answer = await c.var.api<ConnectionView>('GET', `/connections/${encodeURIComponent(id)}`);
  if (answer.ok) return answer.body;
  return page(c, <ErrorPage viewer={viewerOf(c)} title="Connection" message={errorMessage(answer)} />, answer.status === 404 ? 404 : 502);
}

/** The connection's page with a message, after an action on it. */
/** A notice may name the connection's platform ("Ortto accepted the key"). */
type Notice = string | ((platform: string) => string);

async function showConnection(c: C, id: string, outcome: { notice?: Notice; error?: string; issues?: Map<string, string>; values?: ConnectionFormValues }) {
  const found = await connectionOrError(c, id);
  if (found instanceof Response) return found;
  const values = outcome.values ?? valuesOf(found);
  const notice = typeof outcome.notice === 'function' ? outcome.notice(typeLabel(found.type)) : outcome.notice;
  const status = outcome.error ? 400 : 200;
  return page(c, <ConnectionPage viewer={viewerOf(c)} connection={found} values={values} usedBy={await exportsUsing(c, id)} {...outcome} notice={notice} />, status);
}

/** Admins' pages: contributors get the API's refusal, since each action is the API's. */
export function createConnectionRoutes() {
  return new Hono<SignedInEnv>()
    .get('/', async (c) => {
      const answer = await c.var.api<{ connections: ConnectionView[] }>('GET', '/connections');
      if (!answer.ok) return page(c, <ErrorPage viewer={viewerOf(c)} title="Connections" message={errorMessage(answer)} />, 502);
      return page(c, <ConnectionsPage viewer={viewerOf(c)} connections={answer.body.connections} notice={c.req.query('removed') !== undefined ? 'The connection was removed.' : undefined} />);
    })
    .get('/new', (c) => page(c, <NewConnectionPage viewer={viewerOf(c)} values={EMPTY} />))
    .post('/', async (c) => {
      const form = await readForm(c);
      const values = valuesFrom(form);
      const answer = await c.var.api<ConnectionView>('POST', '/connections', {
        type: values.type,
        region: values.region || undefined,
        displayName: values.displayName,
        apiKey: form.text('apiKey'),
        usableBy: values.usableBy,
        privacyConsent: form.text('privacyConsent') === 'true',
        baseUrl: values.baseUrl || undefined,
        requestsPerSecond: numberOrAbsent(values.requestsPerSecond),
      });
      if (answer.ok) return c.redirect(`${paths.connectionPage(answer.body.id)}?created`, 303);
      const page400 = <NewConnectionPage viewer={viewerOf(c)} values={values} error={errorMessage(answer)} issues={fieldIssues(answer)} />;
      return page(c, page400, answer.status === 403 ? 403 : 400);
    })
    .get('/:id', (c) => showConnection(c, c.req.param('id'), { notice: c.req.query('created') !== undefined ? (platform) => `${platform} accepted the key: the connection is saved.` : undefined }))
    .post('/:id', async (c) => {
      const id = c.req.param('id');
      const form = await readForm(c);
      const values = valuesFrom(form);
      const answer = await c.var.api('PATCH', `/connections/${encodeURIComponent(id)}`, {
        displayName: values.displayName,
        usableBy: values.usableBy,
        baseUrl: values.baseUrl || null,
        requestsPerSecond: numberOrAbsent(values.requestsPerSecond),
        apiKey: form.text('apiKey') || undefined,
      });
      if (answer.ok) return showConnection(c, id, { notice: 'Saved.' });
      return showConnection(c, id, { error: errorMessage(answer), issues: fieldIssues(answer), values });
    })
    .post('/:id/rotate', async (c) => {
      const id = c.req.param('id');
      const apiKey = (await readForm(c)).text('apiKey');
      const answer = await c.var.api('PATCH', `/connections/${encodeURIComponent(id)}`, { apiKey });
      return showConnection(c, id, answer.ok ? { notice: (platform) => `${platform} accepted the new key: it replaces the old one.` } : { error: errorMessage(answer) });
    })
    .post('/:id/test', async (c) => {
      const id = c.req.param('id');
      const answer = await c.var.api('POST', `/connections/${encodeURIComponent(id)}/test`);
      return showConnection(c, id, answer.ok ? { notice: (platform) => `${platform} accepts the key.` } : { error: errorMessage(answer) });
    })
    .get('/:id/remove', async (c) => {
      const id = c.req.param('id');
      const found = await connectionOrError(c, id);
      if (found instanceof Response) return found;
      return page(c, <RemoveConnectionPage viewer={viewerOf(c)} connection={found} usedBy={await exportsUsing(c, id)} />);
    })
    .post('/:id/remove', async (c) => {
      const id = c.req.param('id');
      const detach = (await readForm(c)).text('detach') === 'true';
      const answer = await c.var.api('DELETE', `/connections/${encodeURIComponent(id)}${detach ? '?detach=true' : ''}`);
      if (answer.ok) return c.redirect(`${paths.connections}?removed`, 303);
      // Exports started using it since the question was asked: ask again, naming them.
      if (answer.status === 409) return c.redirect(`${paths.connectionPage(id)}/remove`, 303);
      return showConnection(c, id, { error: errorMessage(answer) });
    });
}
