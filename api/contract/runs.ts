import { z } from '@hono/zod-openapi';
import { RUN_STATUSES } from '../../domain/run-status';
import { errors, idParam, IdParams, json, secured, Timestamp, linksTo } from './common';

export const RunCountsSchema = z
  .object({
    total: z.int(),
    exported: z.int(),
    pending: z.int().openapi({ description: 'Profiles not sent (yet, while running; never, when a run failed or was cancelled)' }),
    skipped: z.record(z.string(), z.int()).openapi({ description: 'By reason', example: { 'no email': 3 } }),
    rejected: z.record(z.string(), z.int()),
    removed: z.int().optional().openapi({
      description: 'Mirror mode: list memberships (not profiles, so not in `total`) taken off their lists; present when the run planned removals',
    }),
  })
  .openapi('RunCounts', { description: 'Per profile: total = exported + pending + Σ skipped + Σ rejected; `removed` counts list memberships' });

const RunStatus = z
  .enum(RUN_STATUSES)
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
    mode: z.enum(['incremental', 'full']).nullable().openapi({
      description: 'How it was planned: `incremental` sends only what changed since the last delivery; null before it is planned',
    }),
    dryRun: z.boolean().openapi({ description: 'Planned and reported only (see `plan`): nothing was sent, the sync state did not change' }),
    redriveOf: z.string().nullable().openapi({ description: 'The run whose rejected, parked (and, if it did not complete, unsent) profiles this run sends again' }),
    workflow: z
      .object({
        id: z.string().openapi({ description: "The export's workflow id: the run's workflow in the Temporal UI" }),
        runId: z.string().nullable().openapi({ description: 'The workflow execution the run began in (Temporal\'s run id, not this run\'s id); null until it has begun, and for a skipped trigger' }),
      })
      .openapi('RunWorkflow', { description: 'Where the run is in Temporal' }),
  })
  .openapi('RunSummary');

const PlanExampleSchema = z
  .object({
    profileId: z.string().nullable().openapi({ description: 'null for a removal (a membership, not a profile of the run)' }),
    email: z.string().nullable().openapi({ description: 'As the run read it (personal data); for contributors, null when it was not a valid email' }),
    segmentId: z.string(),
  })
  .openapi('PlanExample');

export const RunPlanSchema = z
  .object({
    toAdd: z.int().openapi({ description: '(email, list) deliveries new to their list' }),
    toUpdate: z.int().openapi({ description: 'Deliveries changed since, or not exported, last time' }),
    unchanged: z.int().openapi({ description: 'Deliveries exported last time as they are now: not sent' }),
    toRemove: z.int().openapi({ description: 'Memberships taken off their list (mirror mode)' }),
    removalsHeld: z.record(z.string(), z.int()).openapi({
      description:
        'Memberships that left but are not removed, by reason: `settings changed` (the mapping, segments or connection changed, so the run is full ' +
        'and removes nothing; it forgets them, leaving them on their lists), `delivered by another export` (of the same list)',
      example: { 'settings changed': 120 },
    }),
    skipped: z.record(z.string(), z.int()).openapi({ description: 'Other (profile, segment) items not sent, by reason', example: { 'no email': 2 } }),
    examples: z.record(z.string(), z.array(PlanExampleSchema)).openapi({
      description: 'Up to 20 of each category (toAdd, toUpdate, unchanged, toRemove, and each skip reason)',
    }),
  })
  .openapi('RunPlan', { description: 'What the run decided when it froze, per (profile, segment) item; compare its `counts`, which are per profile' });

const PauseSchema = z
  .object({ by: z.string(), since: Timestamp })
  .openapi('Pause', { description: 'Who paused the run, and since when' });

export const RunSchema = RunSummarySchema.extend({
  paused: PauseSchema.nullable().openapi({ description: 'Set while the run is paused' }),
  progress: z
    .object({
      batchesDone: z.int(),
      batches: z.int(),
      membershipsSent: z.int(),
      membershipsRejected: z.int(),
      memberships: z.int().nullable().openapi({ description: 'List memberships the run sends' }),
    })
    .nullable()
    .openapi({
      description:
        'While running, from the workflow, in list memberships (one contact on one segment\'s list: a profile in two segments is two), ' +
        'as the Temporal UI shows them; `counts` are in profiles',
    }),
  counts: RunCountsSchema,
  phase: z.string().nullable().openapi({ description: 'While running: validating, planning, preparing lists, exporting, paused, blocked: …, finishing' }),
  percent: z.number().nullable().openapi({ description: 'Profiles done (exported, skipped or rejected) over all profiles of the run' }),
  throughput: z.number().nullable().openapi({ description: 'Profiles sent (exported or rejected) per second' }),
  etaSeconds: z.number().nullable(),
  plan: RunPlanSchema.nullable().openapi({ description: 'For a dry run, once planned: what a real run would do' }),
  links: z.object({ self: z.string(), outcomes: z.string(), export: z.string() }),
}).openapi('Run');

/**
 * The optional body of POST /exports/{id}/runs. Parsed by the route itself: an empty body (with
 * or without a JSON content type) is no options, which the generic validator would refuse.
 */
export const StartRunBody = z.strictObject({
  dryRun: z.boolean().optional(),
  mode: z.enum(['incremental', 'full']).optional(),
});

/** StartRunBody as the OpenAPI document shows it. */
const StartRunBodyDoc = {
  type: 'object' as const,
  additionalProperties: false,
  properties: {
    dryRun: { type: 'boolean' as const, description: 'Plan and report only (see the run\'s `plan`): nothing is sent to Autopilot beyond the key check, the sync state stays as it is' },
    mode: {
      type: 'string' as const,
      enum: ['incremental', 'full'],
      description: 'This run only: `full` sends everything whatever the sync state; default: the export\'s mode',
    },
  },
};

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
    summary: 'Run an export now (or a dry run of it)',
    description: 'The body is optional: without one, a run in the export\'s mode.',
    request: { params: IdParams, body: { required: false, content: { 'application/json': { schema: StartRunBodyDoc } } } },
    responses: {
      202: {
        ...json(RunStartedSchema, 'Started; follow Location'),
        headers: z.object({ Location: z.string() }),
        links: linksTo('runId', 'runId', ['getRun', 'pauseRun', 'resumeRun', 'cancelRun', 'listOutcomes', 'redriveRun', 'approveRemovals']),
      },
      ...errors(400, 404, 409, 415),
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
  redrive: secured('any', {
    operationId: 'redriveRun',
    method: 'post',
    path: '/runs/{runId}/redrive',
    tags,
    summary: "Send a run's rejected and parked profiles again (and its unsent ones, if it did not complete)",
    description:
      'Starts a run of the export (full mode, with its current mapping) of exactly the (profile, segment) items this run had rejected ' +
      'by Autopilot, skipped as `rejected before` (parked), or, when it failed, was cancelled, terminated or timed out, never sent; ' +
      'those still in their segment are sent. 409 `run_in_progress` while a run of the export is going, ' +
      '409 `nothing_to_redrive` when the run has none, 410 when its details were deleted under the retention policy.',
    request: { params: RunParams },
    responses: {
      202: {
        ...json(RunStartedSchema, 'Started; follow Location'),
        headers: z.object({ Location: z.string() }),
        links: linksTo('runId', 'runId', ['getRun', 'cancelRun', 'listOutcomes']),
      },
      ...errors(400, 404, 409, 410),
    },
  }),
};
