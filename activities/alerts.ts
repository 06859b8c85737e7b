import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import axios from 'axios';
import type { AlertEvent, RunCounts } from '../domain/export';
import { OutboundRefusedError, type OutboundPolicy } from '../outbound/policy';
import type { AlertStore } from '../store/alerts';
import type { Db } from '../store/db';
import { createExportStore } from '../store/exports';
import { readRemovalGate } from '../store/removals';
import { getRun } from '../store/run-queries';
import { countOutcomes } from '../store/runs';

export interface AlertActivityDeps {
  db: Db;
  alerts: AlertStore;
  /** Where people reach the API: the message links to the run there. */
  publicUrl: string;
  /** Where webhooks may be. */
  outbound: OutboundPolicy;
}

export interface AlertInput {
  exportId: string;
  runId: string;
  event: AlertEvent;
}

/** What a webhook receives: ids, names, a status, counts and a reason — never profile data. */
export interface AlertMessage {
  event: AlertEvent;
  exportId: string;
  exportName: string;
  runId: string;
  status: string;
  counts: RunCounts | null;
  reason: string | null;
  link: string;
  sentAt: string;
}

export const SIGNATURE_HEADER = 'x-segment-export-signature';
export const TIMESTAMP_HEADER = 'x-segment-export-timestamp';

/** `sha256=<hex>` of `<timestamp>.<body>` under the export's secret: what receivers recompute. */
export function signAlert(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * What a blocked run waits for: an admin's approval of its removals while its gate holds (mirror
 * mode), otherwise a working API key. Counts and segment ids only.
 */
async function blockedReason(db: Db, runId: string): Promise<string> {
  const gate = await readRemovalGate(db, runId);
  if (!gate || gate.approvedBy) return 'Autopilot rejects the API key: replace it on the connection';
  const lists = gate.lists.map((l) => `${l.removals} of ${l.members} from ${l.segmentId}`).join(', ');
  return `Needs approval: the run would remove ${lists}, more than the export allows; approve with POST /runs/${runId}/approve-removals or cancel the run`;
}

/** Alerts go out from the main task queue; a failed delivery is retried by Temporal, never by the run. */
export function createAlertActivities(deps: AlertActivityDeps) {
  const agents = deps.outbound.agents({ keepAlive: false });
  async function message(input: AlertInput): Promise<AlertMessage | undefined> {
    const [e, run] = await Promise.all([createExportStore(deps.db).get(input.exportId), getRun(deps.db, input.runId)]);
    if (!e || !run) return undefined;
    const counts = run.status === 'running' ? await countOutcomes(deps.db, run.id) : run.summary;
    return {
      event: input.event,
      exportId: e.id,
      exportName: e.displayName,
      runId: run.id,
      status: input.event === 'blocked' ? 'blocked' : run.status,
      counts,
      reason: run.error ?? (input.event === 'blocked' ? await blockedReason(deps.db, run.id) : null),
      link: `${deps.publicUrl.replace(/\/+$/, '')}/runs/${run.id}`,
      sentAt: new Date().toISOString(),
    };
  }

  return {
    /** POSTs one signed alert; an export that no longer wants this event gets nothing. */
    async deliverAlert(input: AlertInput): Promise<'sent' | 'not wanted'> {
      const target = await deps.alerts.target(input.exportId);
      if (!target?.events.includes(input.event)) return 'not wanted';
      const body = await message(input);
      if (!body) return 'not wanted';
      try {
        deps.outbound.check(target.webhookUrl);
      } catch (err) {
        if (!(err instanceof OutboundRefusedError)) throw err;
        throw ApplicationFailure.nonRetryable(`The alert webhook's address ${err.message}`, 'OutboundRefusedError');
      }
      const json = JSON.stringify(body);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const res = await axios.post(target.webhookUrl, json, {
        headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signAlert(target.secret, timestamp, json) },
        timeout: 10_000,
        ...agents,
        maxRedirects: 0,
        maxContentLength: 64 * 1024,
        validateStatus: () => true,
        responseType: 'text',
      }).catch((err: unknown) => {
        // The address is the user's own setting; the library's message may quote the response.
        throw ApplicationFailure.retryable(`The alert webhook could not be reached (${(err as { code?: string }).code ?? 'error'})`, 'AlertUndelivered');
      });
      if (res.status < 200 || res.status >= 300) throw ApplicationFailure.retryable(`The alert webhook answered ${res.status}`, 'AlertUndelivered');
      return 'sent';
    },
  };
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
