import type { Client } from '@temporalio/client';
import { allExecutions } from '../test/helpers/history';

export interface Phases {
  /** Workflow start to the first batch handed out: record the run, check the key, plan, lists. */
  setupSeconds: number;
  /** Of the setup: freezing the membership (planRun). */
  planSeconds: number;
  /** First batch handed out to the last one done. */
  sendSeconds: number;
  /** Last batch done to the workflow's end: counting outcomes, closing the run. */
  finishSeconds: number;
  /** Sum over batch activities of their time on a worker (started to completed). */
  batchActivitySeconds: number;
  /** The setup's activities in order: name, when scheduled (s after the start) and how long to completion (s). */
  setupSteps: string;
}

/** Where a run's wall time went, read from its histories (every execution, oldest first). */
export async function runPhases(client: Client, workflowId: string): Promise<Phases> {
  const executions = (await allExecutions(client, workflowId)).reverse();
  const seconds = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) + (t?.nanos ?? 0) / 1e9;
  let start = 0;
  let end = 0;
  let firstBatch = Infinity;
  let lastBatch = 0;
  let planSeconds = 0;
  let batchActivitySeconds = 0;
  const steps: { name: string; at: number; took: number }[] = [];
  for (const e of executions) {
    const events = (await client.workflow.getHandle(workflowId, e.runId).fetchHistory()).events ?? [];
    const scheduled = new Map<string, { name: string; at: number }>();
    const started = new Map<string, number>();
    for (const event of events) {
      const at = seconds(event.eventTime);
      start ||= at;
      end = at;
      const s = event.activityTaskScheduledEventAttributes;
      if (s) {
        scheduled.set(String(event.eventId), { name: s.activityType?.name ?? '', at });
        if (s.activityType?.name === 'exportBatch') firstBatch = Math.min(firstBatch, at);
      }
      if (event.activityTaskStartedEventAttributes) started.set(String(event.activityTaskStartedEventAttributes.scheduledEventId), at);
      const done = event.activityTaskCompletedEventAttributes;
      const activity = done && scheduled.get(String(done.scheduledEventId));
      if (activity?.name === 'exportBatch') {
        lastBatch = at;
        batchActivitySeconds += at - (started.get(String(done!.scheduledEventId)) ?? at);
      }
      if (activity?.name === 'planRun') planSeconds = at - activity.at;
      if (activity && activity.name !== 'exportBatch' && activity.at < firstBatch) steps.push({ name: activity.name, at: activity.at - start, took: at - activity.at });
    }
  }
  const setupSteps = [...steps.map((x) => `${x.name} at ${x.at.toFixed(2)} took ${x.took.toFixed(2)}`), ...(firstBatch === Infinity ? [`closed at ${(end - start).toFixed(2)}`] : [])].join(', ');
  return { setupSeconds: firstBatch - start, planSeconds, sendSeconds: lastBatch - firstBatch, finishSeconds: end - lastBatch, batchActivitySeconds, setupSteps };
}
