import { DEFAULT_MAX_REMOVAL_SHARE } from '../domain/export';
import type { Form } from './form';
import type { ExportFormValues } from './pages/export-form';

/** An export as GET /exports/:id answers it (the parts the console reads). */
export interface ExportView {
  id: string;
  displayName: string;
  connectionId: string | null;
  active: boolean;
  segmentIds: string[];
  mapping: { email: string; firstName?: string; lastName?: string; fields?: Record<string, string> };
  schedule: { cron: string; timezone: string } | null;
  mode: 'incremental' | 'full';
  removeWhenLeaving: boolean;
  maxRemovalShare: number;
  alerts: { webhookUrl: string; events: string[] } | null;
  alertSigningSecret?: string;
  createdBy: string;
  updatedBy: string | null;
  scheduleOwner: string | null;
}

export const NEW_EXPORT: ExportFormValues = {
  displayName: '',
  connectionId: '',
  segmentIds: [],
  email: '',
  firstName: '',
  lastName: '',
  fields: [],
  mode: 'incremental',
  mirror: false,
  maxRemovalShare: String(DEFAULT_MAX_REMOVAL_SHARE),
  cron: '',
  timezone: 'UTC',
  webhookUrl: '',
  events: ['failed', 'blocked'],
};

export function valuesOf(e: ExportView): ExportFormValues {
  return {
    displayName: e.displayName,
    connectionId: e.connectionId ?? '',
    segmentIds: e.segmentIds,
    email: e.mapping.email,
    firstName: e.mapping.firstName ?? '',
    lastName: e.mapping.lastName ?? '',
    fields: Object.entries(e.mapping.fields ?? {}),
    mode: e.mode,
    mirror: e.removeWhenLeaving,
    maxRemovalShare: String(e.maxRemovalShare),
    cron: e.schedule?.cron ?? '',
    timezone: e.schedule?.timezone ?? 'UTC',
    webhookUrl: e.alerts?.webhookUrl ?? '',
    events: e.alerts?.events ?? NEW_EXPORT.events,
  };
}

export function valuesFrom(form: Form): ExportFormValues {
  const names = form.list('extraField');
  const attributes = form.list('extraAttribute');
  return {
    displayName: form.text('displayName'),
    connectionId: form.text('connectionId'),
    segmentIds: form.list('segmentIds'),
    email: form.text('email'),
    firstName: form.text('firstName'),
    lastName: form.text('lastName'),
    fields: names.map((name, i): [string, string] => [name, attributes[i] ?? '']).filter(([name, attribute]) => name || attribute),
    mode: form.text('mode') === 'full' ? 'full' : 'incremental',
    mirror: form.text('mirror') === 'true',
    maxRemovalShare: form.text('maxRemovalShare'),
    cron: form.text('cron'),
    timezone: form.text('timezone') || 'UTC',
    webhookUrl: form.text('webhookUrl'),
    events: form.list('events'),
  };
}

/** The API's body for these values: absent parts are `null` (no schedule, no alerts), as PATCH reads them. */
export function bodyOf(v: ExportFormValues): Record<string, unknown> {
  const fields = Object.fromEntries(v.fields);
  const share = Number(v.maxRemovalShare);
  return {
    displayName: v.displayName,
    connectionId: v.connectionId,
    segmentIds: v.segmentIds,
    mapping: {
      email: v.email,
      ...(v.firstName && { firstName: v.firstName }),
      ...(v.lastName && { lastName: v.lastName }),
      ...(v.fields.length > 0 && { fields }),
    },
    mode: v.mode,
    removeWhenLeaving: v.mirror,
    ...(v.maxRemovalShare !== '' && { maxRemovalShare: Number.isFinite(share) ? share : v.maxRemovalShare }),
    schedule: v.cron ? { cron: v.cron, timezone: v.timezone } : null,
    alerts: v.webhookUrl ? { webhookUrl: v.webhookUrl, events: v.events } : null,
  };
}

/** A new export's body: nothing for what it does not have. */
export function createBodyOf(v: ExportFormValues): Record<string, unknown> {
  return Object.fromEntries(Object.entries(bodyOf(v)).filter(([, value]) => value !== null));
}

/** Only what the form changed, so that saving the same settings changes nothing (a new mapping would make the next run full). */
export function patchOf(v: ExportFormValues, current: ExportView): Record<string, unknown> {
  const now = bodyOf(valuesOf(current));
  return Object.fromEntries(Object.entries(bodyOf(v)).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(now[key])));
}
