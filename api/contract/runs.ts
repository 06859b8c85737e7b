import { z } from '@hono/zod-openapi';
import { errors, idParam, IdParams, json, secured, Timestamp, linksTo } from './common';

export const RunCountsSchema = z
  .object({
    total: z.int(),
    exported: z.int(),
    pending: z.int().openapi({ description: 'Profiles not sent (yet, while running; never, when a run failed or was cancelled)' }),
    skipped: z.record(z.string(), z.int()).openapi({ description: 'By reason', example: { 'no email': 3 } }),
    rejected: z.record(z.string(), z.int()),
  })
  .openapi('RunCounts', { description: 'Per profile: total = exported + pending + Σ skipped + Σ rejected' });

const RunStatus = z
  .enum(['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out', 'skipped'])
  .openapi({ description: '`skipped`: a scheduled trigger that started nothing (see `error` for why)' });

export const RunSummarySchema = z
  .object({
    id: z.string(),
    exportId: z.string(),
    status: RunStatus,
    trigger: z.enum(['manual', 'schedule']),
    triggeredBy: z.string().nullable(),
    startedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    totalProfiles: z.int().nullable(),
    counts: RunCountsSchema.nullable().openapi({ description: 'Final counts; null while running (see GET /runs/{runId})' }),
    error: z.string().nullable().openapi({ description: 'Why it did not complete (failed, cancelled, terminated, timed out) or was skipped' }),
  })
  .openapi('RunSummary');

const PauseSchema = z
  .object({ by: z.string(), since: Timestamp })
  .openapi('Pause', { description: 'Who paused the run, and since when' });

export const RunSchema = RunSummarySchema.extend({
  paused: PauseSchema.nullable().openapi({ description: 'Set while the run is paused' }),
  progress: z
    .object({ batchesDone: z.int(), batches: z.int(), contactsSent: z.int(), contactsRejected: z.int(), contacts: z.int().nullable() })
    .nullable()
    .openapi({ description: 'While running, from the workflow: (contact, list) deliveries, as the Temporal UI shows them' }),
  counts: RunCountsSchema,
  phase: z.string().nullable().openapi({ description: 'While running: validating, planning, preparing lists, exporting, paused, blocked: …, finishing' }),
  percent: z.number().nullable().openapi({ description: 'Profiles done (exported, skipped or rejected) over all profiles of the run' }),
  throughput: z.number().nullable().openapi({ description: 'Profiles sent per second' }),
  etaSeconds: z.number().nullable(),
  links: z.object({ self: z.string(), outcomes: z.string(), export: z.string() }),
}).openapi('Run');

export const RunStartedSchema = z
  .object({
    runId: z.string(),
    links: z.object({ self: z.string(), outcomes: z.string() }),
  })
  .openapi('RunStarted');

export const OutcomeSchema = z
  .object({
    profileId: z.string(),
    email: z.string().nullable().openapi({
      description: 'The email as the run read and classified it (personal data); for contributors, null when it was not a valid email',
    }),
    status: z.enum(['rejected', 'skipped']),
    reason: z.string().nullable(),
    sentAs: z.string().nullable().openapi({ description: 'For a duplicate email: the profile sent in this one\'s place' }),
  })
  .openapi('Outcome');

const RunParams = z.object({ runId: idParam('runId') });
const ListQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });
const OutcomesQuery = z.strictObject({
  status: z.enum(['rejected', 'skipped']).optional().openapi({ description: 'Both when absent' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(400).regex(/^[A-Za-z0-9_-]+$/, { message: 'not a cursor this API returned' }).optional(),
});

const tags = ['Runs'];
export const runRoutes = {
  start: secured('any', {
    operationId: 'startRun',
    method: 'post',
    path: '/exports/{id}/runs',
    tags,
    summary: 'Run an export now',
    request: { params: IdParams },
    responses: {
      202: {
        ...json(RunStartedSchema, 'Started; follow Location'),
        headers: z.object({ Location: z.string() }),
        links: linksTo('runId', 'runId', ['getRun', 'pauseRun', 'resumeRun', 'cancelRun', 'listOutcomes']),
      },
      ...errors(400, 404, 409),
    },
  }),
  runScheduled: secured('admin', {
    operationId: 'runScheduledExports',
    method: 'post',
    path: '/exports/run-scheduled',
    tags,
    summary: 'Run every export that has an active schedule now (a manual refresh of all), skipping those already running',
    responses: {
      200: json(
        z.object({
          started: z.array(z.object({ exportId: z.string(), runId: z.string() })),
          skipped: z.array(z.object({ exportId: z.string(), reason: z.string(), runId: z.string().nullable() })),
        }),
        'What was started and what was skipped',
      ),
    },
  }),
  list: secured('any', {
    operationId: 'listRuns',
    method: 'get',
    path: '/exports/{id}/runs',
    tags,
    summary: 'Run history of an export, newest first',
    request: { params: IdParams, query: ListQuery },
    responses: { 200: json(z.object({ runs: z.array(RunSummarySchema) }), 'Runs'), ...errors(400, 404) },
  }),
  get: secured('any', {
    operationId: 'getRun',
    method: 'get',
    path: '/runs/{runId}',
    tags,
    summary: 'A run: status, counts and, while running, progress with ETA',
    request: { params: RunParams },
    responses: { 200: json(RunSchema, 'The run'), ...errors(400, 404) },
  }),
  cancel: secured('any', {
    operationId: 'cancelRun',
    method: 'post',
    path: '/runs/{runId}/cancel',
    tags,
    summary: 'Cancel a running run',
    request: { params: RunParams },
    responses: { 202: json(z.object({ runId: z.string(), status: z.literal('cancelling') }), 'Cancellation requested'), ...errors(400, 404, 409) },
  }),
  pause: secured('any', {
    operationId: 'pauseRun',
    method: 'post',
    path: '/runs/{runId}/pause',
    tags,
    summary: 'Pause a running run between batches (answers once nothing is in flight)',
    request: { params: RunParams },
    responses: {
      200: json(z.object({ runId: z.string(), status: z.literal('paused'), paused: PauseSchema }), 'Paused; nothing more is sent until it is resumed'),
      ...errors(400, 404, 409, 503),
    },
  }),
  resume: secured('any', {
    operationId: 'resumeRun',
    method: 'post',
    path: '/runs/{runId}/resume',
    tags,
    summary: 'Resume a paused run where it stopped',
    request: { params: RunParams },
    responses: { 200: json(z.object({ runId: z.string(), status: z.literal('running') }), 'Resumed'), ...errors(400, 404, 409, 503) },
  }),
  outcomes: secured('any', {
    operationId: 'listOutcomes',
    method: 'get',
    path: '/runs/{runId}/outcomes',
    tags,
    summary: 'Profiles a run skipped or Autopilot rejected, with reasons',
    description: 'Kept for a retention period after the run finished (30 days unless configured otherwise); after that 410 `run_details_purged`, while the run and its counts stay.',
    request: { params: RunParams, query: OutcomesQuery },
    responses: {
      200: json(z.object({ outcomes: z.array(OutcomeSchema), nextCursor: z.string().nullable() }), 'A page, by profile id'),
      ...errors(400, 404, 410),
    },
  }),
  // Mirror mode's safety gate.
  approveRemovals: secured('admin', {
    operationId: 'approveRemovals',
    method: 'post',
    path: '/runs/{runId}/approve-removals',
    tags,
    summary: 'Let a run blocked on its removals (more than the export\'s maxRemovalShare of a list) remove them',
    description:
      'A mirror-mode run that would take more than `maxRemovalShare` of a list\'s members off it stops before removing anything, ' +
      'with phase `blocked: needs approval (N removals from <segment>)`, until an admin approves here or cancels the run. ' +
      '409 when the run is not waiting for approval.',
    request: { params: RunParams },
    responses: {
      200: json(z.object({ runId: z.string(), status: z.literal('running'), approvedBy: z.string() }), 'Approved; the run goes on and removes what it planned'),
      ...errors(400, 404, 409, 503),
    },
  }),
};
