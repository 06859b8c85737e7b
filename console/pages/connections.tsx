import { CsrfField } from '../components/csrf-field';
import { SelectField, TextField } from '../components/fields';
import { Layout, type Viewer } from '../components/layout';
import { Notice } from '../components/notice';
import { When } from '../components/time';
import { paths } from '../paths';

export interface ConnectionView {
  id: string;
  displayName: string;
  type: string;
  usableBy?: 'admins' | 'admins_and_contributors';
  baseUrl?: string | null;
  region?: string | null;
  requestsPerSecond?: number;
  apiKeyLast4?: string;
  createdBy?: string;
  createdAt?: string;
}

export interface ExportRef {
  id: string;
  displayName: string;
}

const WHO = { admins: 'Admins only', admins_and_contributors: 'Admins and contributors' };
const TYPES = [
  { value: 'autopilot', label: 'Autopilot' },
  { value: 'ortto', label: 'Ortto' },
];
const REGIONS = [
  { value: 'default', label: 'Default (api.ap3api.com)' },
  { value: 'eu', label: 'Europe (api.eu.ap3api.com)' },
  { value: 'au', label: 'Australia (api.au.ap3api.com)' },
];
/** The platform a connection type names, as people call it. */
export const typeLabel = (type: string) => TYPES.find((t) => t.value === type)?.label ?? type;

export function ConnectionsPage({ viewer, connections, notice }: { viewer: Viewer; connections: ConnectionView[]; notice?: string }) {
  return (
    <Layout title="Connections" viewer={viewer} section="connections">
      <h1>Connections</h1>
      <Notice kind="ok">{notice}</Notice>
      {viewer.role === 'admin' && (
        <p class="actions">
          <a class="button" href={paths.newConnection}>
            Add a connection
          </a>
        </p>
      )}
      {connections.length === 0 ? (
        <p>No connections yet.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="skip">Connections</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Who may use it</th>
                <th scope="col">Key</th>
                <th scope="col">Added</th>
              </tr>
            </thead>
            <tbody>
              {connections.map((x) => (
                <tr>
                  <td>{viewer.role === 'admin' ? <a href={paths.connectionPage(x.id)}>{x.displayName}</a> : x.displayName}</td>
                  <td>{typeLabel(x.type)}</td>
                  <td>{x.usableBy ? WHO[x.usableBy] : '—'}</td>
                  <td>{x.apiKeyLast4 ? <span class="mono">…{x.apiKeyLast4}</span> : '—'}</td>
                  <td>
                    <When iso={x.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

export interface ConnectionFormValues {
  displayName: string;
  usableBy: 'admins' | 'admins_and_contributors';
  baseUrl: string;
  requestsPerSecond: string;
  type: string;
  region: string;
}

function UsableByField({ value }: { value: ConnectionFormValues['usableBy'] }) {
  return (
    <fieldset>
      <legend>Who may use it</legend>
      <label class="choice">
        <input type="radio" name="usableBy" value="admins" checked={value === 'admins'} /> Admins only
      </label>
      <label class="choice">
        <input type="radio" name="usableBy" value="admins_and_contributors" checked={value === 'admins_and_contributors'} /> Admins and contributors
        (they build exports on it, never see its key)
      </label>
    </fieldset>
  );
}

function AdvancedFields({ values, issues, platform }: { values: ConnectionFormValues; issues: Map<string, string>; platform?: string }) {
  return (
    <details open={issues.has('baseUrl') || issues.has('requestsPerSecond') || undefined}>
      <summary>Advanced</summary>
      <TextField
        id="baseUrl"
        label="API address"
        type="url"
        value={values.baseUrl}
        hint={platform ? `Empty: ${platform}'s own${platform === 'Ortto' ? ', for its region' : ''}.` : "Empty: the platform's own (Ortto's for its region)."}
        error={issues.get('baseUrl')}
      />
      <TextField
        id="requestsPerSecond"
        label="Requests per second"
        type="number"
        step="0.1"
        min="0.1"
        max="100"
        value={values.requestsPerSecond}
        hint="The key's rate budget, shared by every run that uses it. Empty: the platform's own (Autopilot 5; Ortto 10, 30 on Business plans)."
        error={issues.get('requestsPerSecond')}
      />
    </details>
  );
}

export function NewConnectionPage(props: { viewer: Viewer; values: ConnectionFormValues; error?: string; issues?: Map<string, string> }) {
  const issues = props.issues ?? new Map<string, string>();
  return (
    <Layout title="Add a connection" viewer={props.viewer} section="connections">
      <h1>Add a connection</h1>
      <Notice kind="error">{props.error}</Notice>
      <form class="stack" method="post" action={paths.connections}>
        <CsrfField token={props.viewer.csrfToken} />
        <SelectField id="type" label="Type" options={TYPES} value={props.values.type} />
        <SelectField id="region" label="Region (Ortto)" options={REGIONS} empty="—" value={props.values.region} error={issues.get('region')} hint="Ortto keys work only in their own region." />
        <TextField
          id="displayName"
          label="Display name"
          value={props.values.displayName}
          required
          hint="Say what it is for and where data goes, e.g. “Marketing Autopilot (EU list)”."
          error={issues.get('displayName')}
        />
        <UsableByField value={props.values.usableBy} />
        <TextField id="apiKey" label="API key" type="password" autocomplete="off" required error={issues.get('apiKey')} hint="Checked with the platform before it is saved, then sealed." />
        <AdvancedFields values={props.values} issues={issues} />
        <fieldset>
          <legend>Data privacy</legend>
          <p class="privacy" id="privacy-notice">
            Exporting sends personal data outside this system's compliance boundary to the destination (Autopilot or Ortto). You, the customer, are
            responsible for it meeting your privacy and security obligations.
          </p>
          <label class="choice">
            <input type="checkbox" name="privacyConsent" value="true" required aria-describedby="privacy-notice" /> I agree
          </label>
        </fieldset>
        <div>
          <button type="submit">Connect and save</button>
        </div>
      </form>
    </Layout>
  );
}

interface ConnectionPageProps {
  viewer: Viewer;
  connection: ConnectionView;
  values: ConnectionFormValues;
  usedBy: ExportRef[];
  notice?: string;
  error?: string;
  issues?: Map<string, string>;
}

export function ConnectionPage(props: ConnectionPageProps) {
  const { connection: x, viewer } = props;
  const issues = props.issues ?? new Map<string, string>();
  return (
    <Layout title={x.displayName} viewer={viewer} section="connections">
      <p>
        <a href={paths.connections}>Connections</a>
      </p>
      <h1>{x.displayName}</h1>
      <Notice kind="ok">{props.notice}</Notice>
      <Notice kind="error">{props.error}</Notice>
      <dl class="facts">
        <dt>Type</dt>
        <dd>
          {typeLabel(x.type)}
          {x.region ? ` (region: ${x.region})` : ''}
        </dd>
        <dt>Key</dt>
        <dd class="mono">…{x.apiKeyLast4}</dd>
        <dt>Added</dt>
        <dd>
          <When iso={x.createdAt} /> by {x.createdBy}
        </dd>
        <dt>Used by</dt>
        <dd>{props.usedBy.length === 0 ? 'no export' : props.usedBy.map((e, i) => [i > 0 ? ', ' : '', <a href={paths.exportPage(e.id)}>{e.displayName}</a>])}</dd>
      </dl>
      <div class="actions">
        <form method="post" action={`${paths.connectionPage(x.id)}/test`}>
          <CsrfField token={viewer.csrfToken} />
          <button type="submit" class="secondary">
            Test the key
          </button>
        </form>
        <a class="button secondary" href={`${paths.connectionPage(x.id)}/remove`}>
          Remove…
        </a>
      </div>

      <h2>Settings</h2>
      <form class="stack" method="post" action={paths.connectionPage(x.id)}>
        <CsrfField token={viewer.csrfToken} />
        <TextField id="displayName" label="Display name" value={props.values.displayName} required error={issues.get('displayName')} />
        <UsableByField value={props.values.usableBy} />
        <AdvancedFields values={props.values} issues={issues} platform={typeLabel(x.type)} />
        <TextField id="apiKey" label="API key (only to change the address)" type="password" autocomplete="off" error={issues.get('apiKey')} hint="A new address needs the key again: the stored key goes only where it was checked." />
        <div>
          <button type="submit">Save</button>
        </div>
      </form>

      <h2>Rotate the key</h2>
      <form class="stack" method="post" action={`${paths.connectionPage(x.id)}/rotate`}>
        <CsrfField token={viewer.csrfToken} />
        <TextField id="newApiKey" name="apiKey" label="New API key" type="password" autocomplete="off" required hint={`Checked with ${typeLabel(x.type)} first; runs use it from their next request.`} />
        <div>
          <button type="submit">Check and replace the key</button>
        </div>
      </form>
    </Layout>
  );
}

export function RemoveConnectionPage({ viewer, connection, usedBy }: { viewer: Viewer; connection: ConnectionView; usedBy: ExportRef[] }) {
  return (
    <Layout title={`Remove ${connection.displayName}`} viewer={viewer} section="connections">
      <h1>Remove “{connection.displayName}”?</h1>
      <p>Its key is deleted and no data flows to this {typeLabel(connection.type)} account any more.</p>
      {usedBy.length > 0 && (
        <>
          <p>These exports use it. They stay, inactive and without a schedule, until someone gives them another connection:</p>
          <ul>
            {usedBy.map((e) => (
              <li>
                <a href={paths.exportPage(e.id)}>{e.displayName}</a>
              </li>
            ))}
          </ul>
        </>
      )}
      <form class="actions" method="post" action={`${paths.connectionPage(connection.id)}/remove`}>
        <CsrfField token={viewer.csrfToken} />
        {usedBy.length > 0 && <input type="hidden" name="detach" value="true" />}
        <button type="submit" class="danger">
          {usedBy.length > 0 ? `Remove and detach ${usedBy.length} export${usedBy.length === 1 ? '' : 's'}` : 'Remove'}
        </button>
        <a href={paths.connectionPage(connection.id)}>Keep it</a>
      </form>
    </Layout>
  );
}
