import { randomUUID } from 'node:crypto';
import type { AlertEvent } from '../../domain/export';
import { runSummary } from '../../domain/run-labels';
import { OpenAPIHono } from '@hono/zod-openapi';
import { exportWorkflowId } from '../../domain/ids';
import type { ConnectionStore } from '../../store/connections';
import type { Db } from '../../store/db';
import { OutboundRefusedError, type OutboundPolicy } from '../../outbound/policy';
import type { AlertStore } from '../../store/alerts';
import { scheduleOwner, type ExportConfig, type ExportStore, type Schedule } from '../../store/exports';
import { usableConnectionIds, visibleExport } from '../access';
import type { AppEnv } from '../auth';
import { exportRoutes } from '../contract/exports';
import { invalid, notFound, validationHook } from '../errors';
import { shortestIntervalMinutes } from '../cron';
import { checkReferences, checkRemovalRights } from '../export-rules';
import type { Logger } from '../logger';
import { InvalidScheduleError, type ListDestinationFields, type RunLauncher, type Scheduler } from '../ports';
import type { ProfileSource } from '../../profiles-source/source';
import { fromSource } from '../source-errors';
import { destinationKind } from '../../destinations';

export interface ExportRouteDeps {
  db: Db;
  connections: ConnectionStore;
  exports: ExportStore;
  scheduler: Scheduler;
  runs: RunLauncher;
  alerts: AlertStore;
  outbound: OutboundPolicy;
  /** Schedules may not fire more often than this. */
  minScheduleIntervalMinutes: number;
  logger: Logger;
  /** Where segments and attributes are checked (PROFILE_SOURCE); the built-in store when absent. */
  profiles?: ProfileSource;
  /** Where mapped fields are checked against the destination's account (Ortto); not checked when absent. */
  destinationFields?: ListDestinationFields;
}

export const exportView = (e: ExportConfig) => ({
  id: e.id,
  displayName: e.displayName,
  connectionId: e.connectionId,
  active: e.connectionId !== null,
  segmentIds: e.segmentIds,
  mapping: e.mapping,
  schedule: e.schedule,
  profileLimit: e.profileLimit,
  onLimitExceeded: e.onLimitExceeded,
  mode: e.mode,
  removeWhenLeaving: e.removeWhenLeaving,
  maxRemovalShare: e.maxRemovalShare,
  alerts: e.alerts,
  createdBy: e.createdBy,
  updatedBy: e.updatedBy,
  scheduleOwner: e.schedule ? scheduleOwner(e) : null,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
});

export function createExportRoutes(deps: ExportRouteDeps) {
  // Not destructured as `exports`: that name is CommonJS's own, and shadowing it breaks this module's exports.
  const { exports: store, scheduler } = deps;

  /** A Temporal Schedule exists exactly while the export has a schedule and a connection. */
  async function syncSchedule(
    exportId: string,
    schedule: Schedule | null,
    connectionId: string | null,
    what: { displayName: string; segmentIds: string[] },
  ): Promise<void> {
    if (!schedule || !connectionId) return scheduler.remove(exportId);
    const every = shortestIntervalMinutes(schedule.cron);
    if (every < deps.minScheduleIntervalMinutes) {
      throw invalid([{
        in: 'body', path: ['schedule', 'cron'], code: 'schedule_too_frequent',
        message: `fires every ${every} min at times; schedules may run at most every ${deps.minScheduleIntervalMinutes} min`,
      }]);
    }
    const connection = await deps.connections.get(connectionId);
    const summary = runSummary({ exportName: what.displayName, connectionName: connection?.displayName ?? connectionId, destination: connection && destinationKind(connection.type).label }, what.segmentIds);
    try {
      await scheduler.upsert(exportId, schedule, summary);
    } catch (err) {
      if (!(err instanceof InvalidScheduleError)) throw err;
      throw invalid([{ in: 'body', path: ['schedule', 'cron'], code: 'invalid_schedule', message: err.message }]);
    }
  }

  /** Saves the webhook; returns the signing secret when a new one was made (shown once). */
  async function setAlerts(exportId: string, alerts: { webhookUrl: string; events: AlertEvent[]; rotateSecret?: boolean }) {
    const { rotateSecret, ...settings } = alerts;
    allowedWebhook(settings.webhookUrl);
    return deps.alerts.set(exportId, settings, rotateSecret);
  }
  /** Webhooks obey the outbound rules of destinations: a refused address is a 400, nothing saved. */
  function allowedWebhook(url: string): void {
    try {
      deps.outbound.check(url);
    } catch (err) {
      if (!(err instanceof OutboundRefusedError)) throw err;
      throw invalid([{ in: 'body', path: ['alerts', 'webhookUrl'], code: 'outbound_refused', message: err.message }]);
    }
  }
  const withSecret = (e: ExportConfig, secret: string | undefined) => ({ ...exportView(e), ...(secret && { alertSigningSecret: secret }) });

  const definedOnly = (patch: { displayName?: string; segmentIds?: string[] }) => ({
    ...(patch.displayName !== undefined && { displayName: patch.displayName }),
    ...(patch.segmentIds !== undefined && { segmentIds: patch.segmentIds }),
  });

  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(exportRoutes.create, async (c) => {
      const body = c.req.valid('json');
      checkRemovalRights(c.var.user, body);
      await fromSource(c, () => checkReferences(body, c.var.user, deps));
      // The schedule first, under an id chosen here: if it cannot be made, nothing is saved.
      const id = randomUUID();
      const schedule = body.schedule ?? null;
      if (schedule) await syncSchedule(id, schedule, body.connectionId, body);
      let created: ExportConfig;
      const { alerts, ...config } = body;
      try {
        created = await store.create({ ...config, id, schedule, createdBy: c.var.user.name });
      } catch (err) {
        if (schedule) await scheduler.remove(id).catch(() => undefined);
        throw err;
      }
      const secret = alerts && (await setAlerts(id, alerts));
      deps.logger.info('Export created', { exportId: id, scheduled: schedule !== null, by: c.var.user.name });
      return c.json(withSecret(secret ? ((await store.get(id)) ?? created) : created, secret), 201, { Location: `/exports/${id}` });
    })
    .openapi(exportRoutes.list, async (c) => {
      const usable = await usableConnectionIds(c.var.user, deps.connections);
      const all = await store.list();
      const visible = usable ? all.filter((e) => e.connectionId !== null && usable.has(e.connectionId)) : all;
      return c.json({ exports: visible.map(exportView) }, 200);
    })
    .openapi(exportRoutes.get, async (c) => {
      return c.json(exportView(await visibleExport(c.var.user, c.req.valid('param').id, deps)), 200);
    })
    .openapi(exportRoutes.update, async (c) => {
      const current = await visibleExport(c.var.user, c.req.valid('param').id, deps);
      const patch = c.req.valid('json');
      checkRemovalRights(c.var.user, patch, current);
      const destination = patch.mapping !== undefined || patch.connectionId !== undefined
        ? { connectionId: patch.connectionId ?? current.connectionId, mapping: patch.mapping ?? current.mapping }
        : undefined;
      await fromSource(c, () => checkReferences({ ...patch, destination }, c.var.user, deps));
      // The schedule's action shows the export's name, connection and segments: kept in step with them.
      if ([patch.schedule, patch.connectionId, patch.displayName, patch.segmentIds].some((v) => v !== undefined)) {
        const schedule = patch.schedule === undefined ? current.schedule : patch.schedule;
        await syncSchedule(current.id, schedule, patch.connectionId ?? current.connectionId, { ...current, ...definedOnly(patch) });
      }
      const { alerts, ...changes } = patch;
      let secret: string | undefined;
      if (alerts === null) await deps.alerts.clear(current.id);
      else if (alerts) secret = await setAlerts(current.id, alerts);
      const updated = await store.update(current.id, { ...changes, updatedBy: c.var.user.name });
      if (!updated) throw notFound('Export');
      deps.logger.info('Export updated', { exportId: current.id, by: c.var.user.name });
      return c.json(withSecret(updated, secret), 200);
    })
    .openapi(exportRoutes.remove, async (c) => {
      const current = await visibleExport(c.var.user, c.req.valid('param').id, deps);
      // Stop what Temporal would do for it before forgetting it; a failure here leaves the export intact.
      await scheduler.remove(current.id);
      const cancelled = await deps.runs.cancel(exportWorkflowId(current.id));
      await store.remove(current.id);
      deps.logger.info('Export deleted', { exportId: current.id, runCancelled: cancelled, by: c.var.user.name });
      return c.body(null, 204);
    });
}
