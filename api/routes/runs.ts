import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { ConnectionStore } from '../../store/connections';
import type { Db } from '../../store/db';
import { toSettings, type ExportConfig, type ExportStore } from '../../store/exports';
import { SkipReason } from '../../domain/export';
import { exportWorkflowId } from '../../domain/ids';
import type { RunRequest } from '../../domain/run-input';
import { countRedrivable, getRun, listOutcomes, listRuns, type OutcomeRow, type RunRow } from '../../store/run-queries';
import { detailsPurgedAt } from '../../store/retention';
import { discardUnstartedRun, openRun, recordRemovalApproval } from '../../store/runs';
import { visibleExport } from '../access';
import { isAdmin, type AppEnv, type Principal } from '../auth';
import { runRoutes, StartRunBody } from '../contract/runs';
import { ApiError, fromZod, invalid, notFound, validationHook } from '../errors';
import type { Logger } from '../logger';
import { RunAlreadyGoingError, RunNotSteerableError, RunWorkersUnavailableError, type RunLauncher } from '../ports';
import type { RunReconciler } from '../run-reconciler';
import { describeRun, runLinks, runSummary } from '../run-view';
import { createWatchedRuns } from '../watched-runs';
import { destinationKind } from '../../destinations';

export interface RunRouteDeps {
  db: Db;
  connections: ConnectionStore;
  exports: ExportStore;
  runs: RunLauncher;
  reconciler: RunReconciler;
  logger: Logger;
}

/**
 * Least privilege: what the run did not classify as an email may be any attribute the mapping
 * pointed at, so contributors see it only as null; admins see everything.
 */
const maskUnclassified = (o: OutcomeRow): OutcomeRow => (o.reason === SkipReason.INVALID_EMAIL ? { ...o, email: null } : o);

const encodeCursor = (profileId: string) => Buffer.from(profileId, 'utf8').toString('base64url');
function decodeCursor(cursor: string): string {
  const profileId = Buffer.from(cursor, 'base64url').toString('utf8');
  // Only cursors this API issued decode to a storable profile id.
  if (profileId === '' || profileId.includes('\0')) {
    throw invalid([{ in: 'query', path: ['cursor'], code: 'invalid_cursor', message: 'not a cursor this API returned' }]);
  }
  return profileId;
}


const JSON_TYPE = /^application\/([a-z.+-]+\+)?json\s*(;|$)/i;

/**
 * The optional body of POST /exports/:id/runs: none (or an empty one, whatever its content type)
 * asks for nothing; anything else must be JSON of {@link StartRunBody}.
 */
async function runRequest(req: { text(): Promise<string>; header(name: string): string | undefined }): Promise<RunRequest> {
  const text = await req.text();
  if (text.trim() === '') return {};
  if (!JSON_TYPE.test(req.header('content-type') ?? '')) {
    throw new ApiError(415, 'unsupported_media_type', 'The body, when there is one, must be JSON (Content-Type: application/json)');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid([{ in: 'body', path: [], code: 'malformed_json', message: 'The request body is not valid JSON' }]);
  }
  const parsed = StartRunBody.safeParse(value);
  if (!parsed.success) throw invalid(fromZod(parsed.error, 'json'));
  return { ...(parsed.data.dryRun && { dryRun: true }), ...(parsed.data.mode && { mode: parsed.data.mode }) };
}

export function createRunRoutes(deps: RunRouteDeps) {
  const { db } = deps;
  const watched = createWatchedRuns(deps);

  /** A run is visible to whoever can see its export; reconciled with Temporal unless the caller does it otherwise. */
  async function visibleRun(user: Principal, runId: string, options = { reconciled: true }): Promise<RunRow> {
    const run = await getRun(db, runId);
    if (!run) throw notFound('Run');
    await visibleExport(user, run.exportId, deps).catch((err: unknown) => {
      throw err instanceof ApiError && err.status === 404 ? notFound('Run') : err;
    });
    return options.reconciled ? deps.reconciler.reconcile(run) : run;
  }

  /** A run's outcomes are kept for the retention period only; its summary stays. */
  async function refuseIfDetailsPurged(runId: string): Promise<void> {
    const purgedAt = await detailsPurgedAt(db, runId);
    if (!purgedAt) return;
    throw new ApiError(
      410,
      'run_details_purged',
      `The per-profile outcomes of this run were deleted on ${purgedAt.toISOString()} under the retention policy; its counts remain at /runs/${runId}`,
      { detailsPurgedAt: purgedAt.toISOString() },
    );
  }

  /**
   * Starts a run now, attributed to the caller: its id minted and its record opened first, so it
   * can be read the moment it is answered; the record discarded if Temporal refuses the start.
   */
  async function startRun(e: ExportConfig & { connectionId: string }, user: Principal, request: RunRequest = {}): Promise<string> {
    const trigger = { kind: 'manual' as const, by: user.name };
    const connection = await deps.connections.get(e.connectionId);
    const labels = { exportName: e.displayName, connectionName: connection?.displayName ?? e.connectionId, destination: connection && destinationKind(connection.type).label };
    const runId = randomUUID();
    await openRun(db, { runId, exportId: e.id, workflowId: exportWorkflowId(e.id), trigger, dryRun: request.dryRun, redriveOf: request.redriveOf });
    try {
      await deps.runs.start({ runId, export: toSettings(e), request }, trigger, labels);
    } catch (err) {
      await discardUnstartedRun(db, runId);
      throw err;
    }
    deps.logger.info('Run started', { exportId: e.id, runId, by: user.name, ...request });
    return runId;
  }

  /** startRun for a request: 409 when the export has no connection or a run of it is going. */
  async function startRequested(e: ExportConfig, user: Principal, request: RunRequest): Promise<string> {
    if (!e.connectionId) {
      throw new ApiError(409, 'export_inactive', 'This export has no connection (it was removed): set connectionId to run it again');
    }
    try {
      return await startRun({ ...e, connectionId: e.connectionId }, user, request);
    } catch (err) {
      if (!(err instanceof RunAlreadyGoingError)) throw err;
      throw new ApiError(409, 'run_in_progress', 'A run of this export is already going', { runId: err.runId ?? null });
    }
  }

  /** A run the caller can see that is still going; 409 otherwise. */
  async function runningRun(user: Principal, runId: string): Promise<RunRow> {
    const run = await visibleRun(user, runId);
    if (run.status !== 'running') throw new ApiError(409, 'run_not_running', `The run is ${run.status}`);
    return run;
  }

  /** A pause or resume the run refused answers 409 with the run's own reason. */
  async function steering<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      if (err instanceof RunNotSteerableError) throw new ApiError(409, 'run_not_steerable', err.message);
      if (err instanceof RunWorkersUnavailableError) throw new ApiError(503, 'workers_unavailable', err.message);
      throw err;
    }
  }

  const routes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(runRoutes.start, async (c) => {
      const e = await visibleExport(c.var.user, c.req.valid('param').id, deps);
      const runId = await startRequested(e, c.var.user, await runRequest(c.req));
      return c.json({ runId, links: runLinks(runId) }, 202, { Location: `/runs/${runId}` });
    })
    .openapi(runRoutes.runScheduled, async (c) => {
      const scheduled = (await deps.exports.list()).filter((e) => e.schedule && e.connectionId);
      const started: { exportId: string; runId: string }[] = [];
      const skipped: { exportId: string; reason: string; runId: string | null }[] = [];
      for (const e of scheduled) {
        try {
          started.push({ exportId: e.id, runId: await startRun({ ...e, connectionId: e.connectionId! }, c.var.user) });
        } catch (err) {
          if (!(err instanceof RunAlreadyGoingError)) throw err;
          skipped.push({ exportId: e.id, reason: 'a run of this export is already going', runId: err.runId ?? null });
        }
      }
      return c.json({ started, skipped }, 200);
    })
    .openapi(runRoutes.list, async (c) => {
      const e = await visibleExport(c.var.user, c.req.valid('param').id, deps);
      const runs = await listRuns(db, e.id, c.req.valid('query').limit);
      const reconciled = await Promise.all(runs.map((run) => deps.reconciler.reconcile(run)));
      return c.json({ runs: reconciled.map(runSummary) }, 200);
    })
    .openapi(runRoutes.get, async (c) => {
      const seen = await visibleRun(c.var.user, c.req.valid('param').runId, { reconciled: false });
      const { run, progress } = seen.status === 'running' ? await watched.read(seen) : { run: seen, progress: undefined };
      return c.json(await describeRun(run, deps, { admin: isAdmin(c.var.user) }, progress), 200);
    })
    .openapi(runRoutes.cancel, async (c) => {
      const run = await visibleRun(c.var.user, c.req.valid('param').runId);
      const notRunning = () => new ApiError(409, 'run_not_running', `The run is ${run.status === 'running' ? 'already over' : run.status}`);
      if (run.status !== 'running') throw notRunning();
      if (!(await deps.runs.cancel(run.workflowId, run.workflowRunId ?? undefined))) throw notRunning();
      deps.logger.info('Run cancel requested', { runId: run.id, by: c.var.user.name });
      watched.forget(run.id);
      return c.json({ runId: run.id, status: 'cancelling' as const }, 202);
    })
    .openapi(runRoutes.pause, async (c) => {
      const run = await runningRun(c.var.user, c.req.valid('param').runId);
      const pause = await steering(() => deps.runs.pause(run.workflowId, run.workflowRunId ?? undefined, c.var.user.name));
      deps.logger.info('Run paused', { runId: run.id, by: c.var.user.name });
      watched.forget(run.id);
      return c.json({ runId: run.id, status: 'paused' as const, paused: pause }, 200);
    })
    .openapi(runRoutes.resume, async (c) => {
      const run = await runningRun(c.var.user, c.req.valid('param').runId);
      await steering(() => deps.runs.resume(run.workflowId, run.workflowRunId ?? undefined, c.var.user.name));
      deps.logger.info('Run resumed', { runId: run.id, by: c.var.user.name });
      watched.forget(run.id);
      return c.json({ runId: run.id, status: 'running' as const }, 200);
    })
    .openapi(runRoutes.outcomes, async (c) => {
      const run = await visibleRun(c.var.user, c.req.valid('param').runId);
      await refuseIfDetailsPurged(run.id);
      const { status, limit, cursor } = c.req.valid('query');
      const rows = await listOutcomes(db, {
        runId: run.id,
        statuses: status ? [status] : ['rejected', 'skipped'],
        limit,
        afterProfileId: cursor === undefined ? undefined : decodeCursor(cursor),
      });
      const nextCursor = rows.length === limit ? encodeCursor(rows[rows.length - 1].profileId) : null;
      const visible = isAdmin(c.var.user) ? rows : rows.map(maskUnclassified);
      return c.json({ outcomes: visible, nextCursor }, 200);
    });

  // Mirror mode's safety gate; the workflow decides whether the run waits for approval. Registered
  // on its own, outside the chain, whose type would otherwise grow too complex for the compiler.
  routes.openapi(runRoutes.approveRemovals, async (c) => {
    const run = await runningRun(c.var.user, c.req.valid('param').runId);
    const by = c.var.user.name;
    await steering(() => deps.runs.approveRemovals(run.workflowId, run.workflowRunId ?? undefined, by));
    await recordRemovalApproval(db, run.id, by);
    deps.logger.info('Run removals approved', { runId: run.id, by });
    watched.forget(run.id);
    return c.json({ runId: run.id, status: 'running' as const, approvedBy: by }, 200);
  });
  // A re-drive: a new run of the export, in full mode, of what this run did not deliver.
  routes.openapi(runRoutes.redrive, async (c) => {
    const run = await visibleRun(c.var.user, c.req.valid('param').runId);
    if (run.status === 'running') throw new ApiError(409, 'run_in_progress', 'The run is still going: re-drive it once it ended', { runId: run.id });
    await refuseIfDetailsPurged(run.id);
    if ((await countRedrivable(db, run)) === 0) {
      throw new ApiError(409, 'nothing_to_redrive', 'The run has no rejected, parked or unsent profiles to send again');
    }
    const e = await visibleExport(c.var.user, run.exportId, deps);
    const runId = await startRequested(e, c.var.user, { redriveOf: run.id, mode: 'full' });
    return c.json({ runId, links: runLinks(runId) }, 202, { Location: `/runs/${runId}` });
  });
  return routes;
}
