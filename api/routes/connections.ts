import { OpenAPIHono } from '@hono/zod-openapi';
import { destinationKind, DestinationError, invalidRegion, type DestinationType } from '../../destinations';
import { exportWorkflowId } from '../../domain/ids';
import type { Connection, ConnectionStore } from '../../store/connections';
import { canUseConnection } from '../access';
import { isAdmin, type AppEnv, type Principal } from '../auth';
import { connectionRoutes } from '../contract/connections';
import { OutboundRefusedError, type OutboundPolicy } from '../../outbound/policy';
import { ApiError, invalid, notFound, validationHook } from '../errors';
import type { Logger } from '../logger';
import type { CheckKey, RunLauncher, Scheduler } from '../ports';

export interface ConnectionRouteDeps {
  connections: ConnectionStore;
  checkKey: CheckKey;
  outbound: OutboundPolicy;
  scheduler: Scheduler;
  runs: RunLauncher;
  logger: Logger;
}

const fullView = (c: Connection) => ({
  id: c.id,
  displayName: c.displayName,
  type: c.type,
  usableBy: c.usableBy,
  baseUrl: c.baseUrl,
  region: c.region,
  requestsPerSecond: c.requestsPerSecond,
  apiKeyLast4: c.apiKeyLast4,
  privacyConsentAt: c.privacyConsentAt.toISOString(),
  createdBy: c.createdBy,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

const viewFor = (user: Principal, c: Connection) =>
  isAdmin(user) ? fullView(c) : { id: c.id, displayName: c.displayName, type: c.type };

export function createConnectionRoutes(deps: ConnectionRouteDeps) {
  const { connections } = deps;

  /** A destination the outbound rules refuse is a 400, before any connection is made to it. */
  function allowedBaseUrl(baseUrl: string | null | undefined): void {
    if (!baseUrl) return;
    try {
      deps.outbound.check(baseUrl);
    } catch (err) {
      if (!(err instanceof OutboundRefusedError)) throw err;
      throw invalid([{ in: 'body', path: ['baseUrl'], code: 'outbound_refused', message: err.message }]);
    }
  }

  /**
   * Asks the destination; a refused key is 422 with the status only, no answer is 502, and so is an
   * answer that is not the destination's (with our own description of its shape: it names no values).
   */
  async function checkKey(type: DestinationType, apiKey: string, baseUrl: string | null, region: string | null): Promise<void> {
    const { label } = destinationKind(type);
    try {
      await deps.checkKey(type, apiKey, baseUrl, region);
    } catch (err) {
      if (!(err instanceof DestinationError)) throw err;
      if (err.kind === 'wrongService') throw new ApiError(502, 'wrong_service', err.message);
      // Only the status: the other end's wording is not ours to echo.
      const status = err.status ? ` (HTTP ${err.status})` : ` (${err.kind})`;
      if (err.kind === 'auth' || err.kind === 'rejected' || err.kind === 'notFound') {
        throw new ApiError(422, 'key_rejected', `${label} refused the API key${status}`);
      }
      throw new ApiError(502, 'destination_unavailable', `Could not check the API key with ${label}${status}`);
    }
  }

  /** A region is the platform's: one it does not have is a 400 naming those it has. */
  function knownRegion(type: DestinationType, region: string | null | undefined): void {
    const why = region ? invalidRegion(destinationKind(type), region) : undefined;
    if (why) throw invalid([{ in: 'body', path: ['region'], code: 'invalid_region', message: why }]);
  }

  async function found(id: string): Promise<Connection> {
    const c = await connections.get(id);
    if (!c) throw notFound('Connection');
    return c;
  }

  /** Best effort: the detached exports cannot run any more anyway (their key is gone). */
  async function stopExports(exportIds: string[]): Promise<void> {
    for (const exportId of exportIds) {
      await deps.scheduler.remove(exportId).catch((err: Error) => deps.logger.warn('Could not remove schedule', { exportId, error: err.message }));
      await deps.runs.cancel(exportWorkflowId(exportId)).catch((err: Error) => deps.logger.warn('Could not cancel run', { exportId, error: err.message }));
    }
  }

  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(connectionRoutes.create, async (c) => {
      const body = c.req.valid('json');
      allowedBaseUrl(body.baseUrl);
      knownRegion(body.type, body.region);
      await checkKey(body.type, body.apiKey, body.baseUrl ?? null, body.region ?? null);
      const created = await connections.create({ ...body, createdBy: c.var.user.name });
      deps.logger.info('Connection created', { connectionId: created.id, by: c.var.user.name });
      return c.json(fullView(created), 201, { Location: `/connections/${created.id}` });
    })
    .openapi(connectionRoutes.list, async (c) => {
      const user = c.var.user;
      const all = (await connections.list()).filter((x) => canUseConnection(user, x));
      return c.json({ connections: all.map((x) => viewFor(user, x)) }, 200);
    })
    .openapi(connectionRoutes.get, async (c) => {
      const found = await connections.get(c.req.valid('param').id);
      if (!found || !canUseConnection(c.var.user, found)) throw notFound('Connection');
      return c.json(viewFor(c.var.user, found), 200);
    })
    .openapi(connectionRoutes.update, async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      const current = await found(id);
      allowedBaseUrl(patch.baseUrl);
      knownRegion(current.type, patch.region);
      // The stored key goes only where it was checked: a new address needs the key again.
      const moved = (patch.baseUrl !== undefined && patch.baseUrl !== current.baseUrl) || (patch.region !== undefined && patch.region !== current.region);
      if (moved && patch.apiKey === undefined) {
        throw invalid([{ in: 'body', path: ['apiKey'], code: 'api_key_required', message: 'send apiKey again to change baseUrl or region' }]);
      }
      if (patch.apiKey !== undefined || patch.baseUrl !== undefined || patch.region !== undefined) {
        const stored = await connections.readApiKey(id);
        if (!stored) throw notFound('Connection');
        const baseUrl = patch.baseUrl === undefined ? current.baseUrl : patch.baseUrl;
        await checkKey(current.type, patch.apiKey ?? stored.apiKey, baseUrl, patch.region === undefined ? current.region : patch.region);
      }
      const updated = await connections.update(id, patch);
      if (!updated) throw notFound('Connection');
      deps.logger.info('Connection updated', { connectionId: id, keyChanged: patch.apiKey !== undefined, by: c.var.user.name });
      return c.json(fullView(updated), 200);
    })
    .openapi(connectionRoutes.test, async (c) => {
      const stored = await connections.readApiKey(c.req.valid('param').id);
      if (!stored) throw notFound('Connection');
      await checkKey(stored.type, stored.apiKey, stored.baseUrl, stored.region);
      return c.json({ ok: true as const }, 200);
    })
    .openapi(connectionRoutes.remove, async (c) => {
      const { id } = c.req.valid('param');
      const result = await connections.removeOrDetach(id, c.req.valid('query').detach === 'true');
      if (result.outcome === 'not_found') throw notFound('Connection');
      if (result.outcome === 'in_use') {
        throw new ApiError(409, 'connection_in_use', 'Exports use this connection; remove them first or pass ?detach=true', {
          exportIds: result.exportIds,
        });
      }
      await stopExports(result.exportIds);
      deps.logger.info('Connection removed', { connectionId: id, detachedExports: result.exportIds.length, by: c.var.user.name });
      return c.body(null, 204);
    });
}
