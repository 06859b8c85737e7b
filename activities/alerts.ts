import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AlertEvent, RunCounts } from '../domain/export';
import { OutboundRefusedError, type OutboundPolicy } from '../outbound/policy';
import type { AlertStore } from '../store/alerts';
import type { Db } from '../store/db';
import { createExportStore } from '../store/exports';
import { readRemovalGate } from '../store/removals';
import { getRun } from '../store/run-queries';
import { countOutcomes, countsFromTally } from '../store/runs';
import { alertSignatureHeaders } from './alert-signature';
import { AlertPostError, postAlert } from './post-alert';
import { whileHeartbeating } from './heartbeating';

/** How long one attempt may take with the receiver, all told: well inside the activity's 30 s start-to-close. */
export const ALERT_DELIVERY_DEADLINE_MS = 10_000;
/** Well inside the activity's heartbeat timeout (10 s); a cancelled alert learns it from a heartbeat's answer. */

export interface AlertActivityDeps {
  db: Db;
  alerts: AlertStore;
  /** Where people reach the API: the message links to the run there. */
  publicUrl: string;
  /** Where webhooks may be. */
  outbound: OutboundPolicy;
  /** One attempt's deadline with the receiver; {@link ALERT_DELIVERY_DEADLINE_MS} by default (tests shorten it). */
  deliveryDeadlineMs?: number;
}

export interface AlertInput {
  exportId: string;
  runId: string;
  event: AlertEvent;
  /**
   * How the run ended when the reconciler raises its alert (terminated or timed out in Temporal):
   * said as is, even if the activity reads the record before the reconciler has closed it.
   */
  ending?: { status: string; reason?: string };
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

/**
 * Alerts go out from a task queue of their own (see `alertTaskQueue`); a failed delivery is
 * retried by Temporal, never by the run.
 */
export function createAlertActivities(deps: AlertActivityDeps) {
  const deadlineMs = deps.deliveryDeadlineMs ?? ALERT_DELIVERY_DEADLINE_MS;
  if (!(deadlineMs > 0 && deadlineMs <= 25_000)) throw new RangeError('The alert delivery deadline must be between 0 and 25 s');
  const agents = deps.outbound.agents({ keepAlive: false });
  async function message(input: AlertInput): Promise<AlertMessage | undefined> {
    const [e, run] = await Promise.all([createExportStore(deps.db).get(input.exportId), getRun(deps.db, input.runId)]);
    if (!e || !run) return undefined;
    const counts = run.status !== 'running' ? run.summary : run.tally ? countsFromTally(run.tally) : await countOutcomes(deps.db, run.id);
    return {
      event: input.event,
      exportId: e.id,
      exportName: e.displayName,
      runId: run.id,
      status: input.ending?.status ?? (input.event === 'blocked' ? 'blocked' : run.status),
      counts,
      reason: input.ending ? (input.ending.reason ?? null) : (run.error ?? (input.event === 'blocked' ? await blockedReason(deps.db, run.id) : null)),
      link: `${deps.publicUrl.replace(/\/+$/, '')}/runs/${run.id}`,
      sentAt: new Date().toISOString(),
    };
  }

  /** POSTs one signed alert; an export that no longer wants this event gets nothing. */
  async function deliver(input: AlertInput, signal: AbortSignal): Promise<'sent' | 'not wanted'> {
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
    // One id per alert (its workflow's), the same on every attempt: receivers dedupe on it.
    const id = Context.current().info.workflowExecution?.workflowId ?? `alert-${input.runId}-${input.event}`;
    const headers = alertSignatureHeaders(target.secret, id, json);
    const status = await postAlert({ url: target.webhookUrl, body: json, headers, deadlineMs, signal, agents }).catch((err: unknown) => {
      if (!(err instanceof AlertPostError)) throw err;
      throw ApplicationFailure.retryable(`The alert webhook ${err.message}`, 'AlertUndelivered');
    });
    if (status < 200 || status >= 300) throw ApplicationFailure.retryable(`The alert webhook answered ${status}`, 'AlertUndelivered');
    return 'sent';
  }

  return {
    deliverAlert: (input: AlertInput) => whileHeartbeating((signal) => deliver(input, signal)),
  };
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
