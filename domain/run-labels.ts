import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { ExportSettings, RunTrigger } from './export';

/** Names people read in the Temporal UI; ids alone say nothing there. */
export interface RunLabels {
  exportName: string;
  connectionName: string;
  /** The platform the connection points at, as people call it (Autopilot, Ortto). */
  destination?: string;
}

/** Custom search attributes of every run (all Keyword): `ExportId = "…"` lists every run of an export. */
export const RunSearchAttribute = {
  ExportId: defineSearchAttributeKey('ExportId', SearchAttributeType.KEYWORD),
  ExportName: defineSearchAttributeKey('ExportName', SearchAttributeType.KEYWORD),
  ConnectionId: defineSearchAttributeKey('ConnectionId', SearchAttributeType.KEYWORD),
  RunTrigger: defineSearchAttributeKey('RunTrigger', SearchAttributeType.KEYWORD),
  TriggeredBy: defineSearchAttributeKey('TriggeredBy', SearchAttributeType.KEYWORD),
} as const;

/** For registering them on a Temporal server (`--search-attribute ExportId=Keyword`, …). */
export const SEARCH_ATTRIBUTE_NAMES = Object.keys(RunSearchAttribute);

/** Temporal keeps summaries short; the UI shows them on one line. */
const MAX_SUMMARY = 200;

export function runSearchAttributes(settings: ExportSettings, labels: RunLabels, trigger: RunTrigger): SearchAttributePair[] {
  const a = RunSearchAttribute;
  return [
    { key: a.ExportId, value: settings.exportId },
    { key: a.ExportName, value: labels.exportName },
    { key: a.ConnectionId, value: settings.connectionId },
    { key: a.RunTrigger, value: trigger.kind },
    ...(trigger.by ? [{ key: a.TriggeredBy, value: trigger.by }] : []),
  ];
}

/** "VIP to Autopilot → Marketing (EU) (Autopilot) · VIP, Loyalty": what the run does, at a glance. */
export function runSummary(labels: RunLabels, segmentIds: string[]): string {
  const destination = labels.destination ? ` (${labels.destination})` : '';
  const text = `${labels.exportName} → ${labels.connectionName}${destination} · ${segmentIds.join(', ')}`;
  return text.length <= MAX_SUMMARY ? text : `${text.slice(0, MAX_SUMMARY - 1)}…`;
}

/** The static details: the ids behind the names, and where to read the run through the API. */
export function runStaticDetails(settings: ExportSettings, runId?: string): string {
  return [
    `**Export** ${settings.exportId} · **connection** ${settings.connectionId}`,
    `**Segments** ${settings.segmentIds.join(', ')} · **email from** \`${settings.mapping.email}\``,
    runId
      ? `**Run** ${runId}: follow it with \`GET /runs/${runId}\` or \`segment-export runs show ${runId} --follow\`.`
      : 'Follow it with `GET /runs/{runId}` or `segment-export runs show <runId> --follow`.',
  ].join('\n\n');
}
