import { STANDARD_FIELDS } from '../../api/contract/exports';
import { ALERT_EVENTS } from '../../domain/export';
import { CsrfField } from '../components/csrf-field';
import { FieldError, SelectField, TextField, type Option } from '../components/fields';
import { Layout, type Viewer } from '../components/layout';
import { Notice } from '../components/notice';
import { paths } from '../paths';
import { SchedulePreview } from './schedule-preview';
import type { ScheduleView } from '../schedule';

/** What the form shows and sends back: an export's settings as text, as a form carries them. */
export interface ExportFormValues {
  displayName: string;
  connectionId: string;
  segmentIds: string[];
  email: string;
  firstName: string;
  lastName: string;
  /** Autopilot field → profile attribute. */
  fields: [string, string][];
  mode: 'incremental' | 'full';
  mirror: boolean;
  maxRemovalShare: string;
  cron: string;
  timezone: string;
  webhookUrl: string;
  events: string[];
}

export interface FormChoices {
  connections: { id: string; displayName: string }[];
  segments: { id: string; name: string; profileCount: number | null }[];
  profileFields: { name: string; profileCount: number | null }[];
}

interface ExportFormProps {
  viewer: Viewer;
  /** Undefined for a new export. */
  exportId?: string;
  values: ExportFormValues;
  choices: FormChoices;
  schedule?: ScheduleView;
  /** Whether mirror mode is on now (a contributor may keep it, not turn it on). */
  mirrorNow: boolean;
  error?: string;
  issues?: Map<string, string>;
}

/** Empty rows for more fields, so that a form without script can add a few at a time. */
const SPARE_FIELD_ROWS = 3;

const count = (n: number | null) => (n === null ? '' : ` (${n.toLocaleString('en-US')} profiles)`);

export function ExportFormPage(props: ExportFormProps) {
  const { values, choices, viewer } = props;
  const issues = props.issues ?? new Map<string, string>();
  const title = props.exportId ? `Edit “${values.displayName}”` : 'Add an export';
  const action = props.exportId ? paths.exportPage(props.exportId) : paths.exports;
  const attributeOptions: Option[] = choices.profileFields.map((f) => ({ value: f.name, label: `${f.name}${count(f.profileCount)}` }));
  return (
    <Layout title={title} viewer={viewer} section="exports">
      <h1>{title}</h1>
      <Notice kind="error">{props.error}</Notice>
      <form class="stack" method="post" action={action}>
        <CsrfField token={viewer.csrfToken} />
        <TextField id="displayName" label="Display name" value={values.displayName} required error={issues.get('displayName')} />
        <SelectField
          id="connectionId"
          label="Connection"
          options={choices.connections.map((x) => ({ value: x.id, label: x.displayName }))}
          value={values.connectionId}
          required
          empty="Choose a connection"
          error={issues.get('connectionId')}
        />
        <fieldset>
          <legend>Segments</legend>
          {choices.segments.length === 0 && <p>The profile source has no segments yet.</p>}
          {choices.segments.map((s) => (
            <label class="choice">
              <input type="checkbox" name="segmentIds" value={s.id} checked={values.segmentIds.includes(s.id)} /> {s.name}
              {count(s.profileCount)}
            </label>
          ))}
          <FieldError id="segmentIds" error={issues.get('segmentIds') ?? [...issues].find(([k]) => k.startsWith('segmentIds.'))?.[1]} />
        </fieldset>
        <fieldset>
          <legend>Data matching</legend>
          <SelectField id="email" label="Email (required)" options={attributeOptions} value={values.email} required empty="Choose the email attribute" error={issues.get('mapping.email')} />
          <SelectField id="firstName" label="First name" options={attributeOptions} value={values.firstName} empty="(none)" error={issues.get('mapping.firstName')} />
          <SelectField id="lastName" label="Last name" options={attributeOptions} value={values.lastName} empty="(none)" error={issues.get('mapping.lastName')} />
          <MoreFields rows={values.fields} attributes={attributeOptions} issues={issues} />
        </fieldset>
        <ModeFields values={values} viewer={viewer} mirrorNow={props.mirrorNow} issues={issues} />
        <fieldset>
          <legend>Schedule</legend>
          <p class="hint">Empty: runs only on demand. Five fields (minute hour day-of-month month day-of-week), e.g. <code>0 6 * * MON-FRI</code>, or @daily.</p>
          <ScheduleInputs values={values} issues={issues} />
          <div id="schedule-preview" aria-live="polite">
            {props.schedule && <SchedulePreview schedule={props.schedule} />}
          </div>
        </fieldset>
        <AlertFields values={values} issues={issues} />
        <div>
          <button type="submit">Save</button>
        </div>
      </form>
    </Layout>
  );
}

function MoreFields({ rows, attributes, issues }: { rows: [string, string][]; attributes: Option[]; issues: Map<string, string> }) {
  const all = [...rows, ...Array.from({ length: SPARE_FIELD_ROWS }, (): [string, string] => ['', ''])];
  return (
    <fieldset>
      <legend>More fields</legend>
      <p class="hint">
        Autopilot's field name (a standard one, or a custom <code>string--Plan</code>) and the profile attribute it takes.
      </p>
      <datalist id="autopilot-fields">
        {[...STANDARD_FIELDS].map((f) => (
          <option value={f} />
        ))}
      </datalist>
      {all.map(([field, attribute], i) => (
        <div class="pairs">
          <TextField id={`extraField-${i}`} name="extraField" label={`Autopilot field ${i + 1}`} value={field} list="autopilot-fields" error={field ? issues.get(`mapping.fields.${field}`) : undefined} />
          <SelectField id={`extraAttribute-${i}`} name="extraAttribute" label={`Profile attribute ${i + 1}`} options={attributes} value={attribute} empty="(none)" />
        </div>
      ))}
    </fieldset>
  );
}

function ModeFields({ values, viewer, mirrorNow, issues }: { values: ExportFormValues; viewer: Viewer; mirrorNow: boolean; issues: Map<string, string> }) {
  const admin = viewer.role === 'admin';
  return (
    <fieldset>
      <legend>Mode</legend>
      <label class="choice">
        <input type="radio" name="mode" value="incremental" checked={values.mode === 'incremental'} /> Incremental: send only what is new or changed
      </label>
      <label class="choice">
        <input type="radio" name="mode" value="full" checked={values.mode === 'full'} /> Full: send everything every run
      </label>
      {admin ? (
        <>
          <label class="choice">
            <input type="checkbox" name="mirror" value="true" checked={values.mirror} /> Mirror: take memberships off a list when their profile leaves the
            segment (contacts are never deleted)
          </label>
          <TextField
            id="maxRemovalShare"
            label="Removal share before an admin must approve (0–1)"
            type="number"
            step="0.01"
            min="0.01"
            max="1"
            value={values.maxRemovalShare}
            error={issues.get('maxRemovalShare')}
          />
        </>
      ) : (
        mirrorNow && (
          <p>
            <input type="hidden" name="mirror" value="true" />
            <input type="hidden" name="maxRemovalShare" value={values.maxRemovalShare} />
            Mirror mode is on, with a removal share of {values.maxRemovalShare}. Only admins change it.
          </p>
        )
      )}
    </fieldset>
  );
}

function ScheduleInputs({ values, issues }: { values: ExportFormValues; issues: Map<string, string> }) {
  // htmx asks for the description and next times as the fields change; without it, the saved export shows them.
  const live = { 'hx-get': `${paths.exports}/schedule-preview`, 'hx-trigger': 'input changed delay:400ms', 'hx-target': '#schedule-preview', 'hx-include': '#cron, #timezone' };
  return (
    <div class="pairs">
      <div class="field">
        <label for="cron">Cron expression</label>
        <input id="cron" name="cron" type="text" value={values.cron} aria-invalid={issues.has('schedule.cron') ? 'true' : undefined} {...live} />
        <FieldError id="cron" error={issues.get('schedule.cron')} />
      </div>
      <div class="field">
        <label for="timezone">Time zone</label>
        <input id="timezone" name="timezone" type="text" value={values.timezone} {...live} />
        <FieldError id="timezone" error={issues.get('schedule.timezone')} />
      </div>
    </div>
  );
}

function AlertFields({ values, issues }: { values: ExportFormValues; issues: Map<string, string> }) {
  return (
    <fieldset>
      <legend>Alerts</legend>
      <TextField id="webhookUrl" label="Webhook URL" type="url" value={values.webhookUrl} hint="Empty: no alerts. Each event is a signed JSON POST." error={issues.get('alerts.webhookUrl')} />
      <fieldset>
        <legend>Events</legend>
        {ALERT_EVENTS.map((e) => (
          <label class="choice">
            <input type="checkbox" name="events" value={e} checked={values.events.includes(e)} /> {e}
          </label>
        ))}
      </fieldset>
    </fieldset>
  );
}
