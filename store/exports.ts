import { randomUUID } from 'node:crypto';
import type { Db } from './db';
import { DEFAULT_MAX_REMOVAL_SHARE, type AlertEvent, type ExportSettings, type FieldMapping, type OnLimitExceeded, type SyncMode } from '../domain/export';

export interface Schedule {
  cron: string;
  timezone: string;
}

export interface ExportConfig {
  id: string;
  displayName: string;
  /** Null once its connection was removed with `detach`: configured, but inactive. */
  connectionId: string | null;
  segmentIds: string[];
  mapping: FieldMapping;
  schedule: Schedule | null;
  profileLimit: number;
  onLimitExceeded: OnLimitExceeded;
  /** `incremental` sends only what changed since the last delivery; `full` sends everything, every run. */
  mode: SyncMode;
  /** Mirror mode: memberships it delivered are taken off a list once their profile leaves the segment. */
  removeWhenLeaving: boolean;
  /** A run that would take more than this share of a list's delivered members off it waits for an admin. */
  maxRemovalShare: number;
  /** Where run events go (set through the alert store, which also keeps the signing secret). */
  alerts: { webhookUrl: string; events: AlertEvent[] } | null;
  createdBy: string;
  updatedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewExport = Omit<ExportConfig, 'id' | 'createdAt' | 'updatedAt' | 'alerts' | 'updatedBy' | 'mode' | 'removeWhenLeaving' | 'maxRemovalShare'> & {
  /** Chosen by the caller when something keyed by it (a Temporal Schedule) must exist first. */
  id?: string;
  /** Defaults: incremental, no mirror mode, a 10 % removal share. */
  mode?: SyncMode;
  removeWhenLeaving?: boolean;
  maxRemovalShare?: number;
};

export type ExportChanges = Partial<Omit<ExportConfig, 'id' | 'createdBy' | 'createdAt' | 'updatedAt' | 'alerts'>>;

const COLUMNS = `id, display_name AS "displayName", connection_id AS "connectionId", segment_ids AS "segmentIds",
  mapping, schedule, profile_limit AS "profileLimit", on_limit_exceeded AS "onLimitExceeded",
  mode, remove_when_leaving AS "removeWhenLeaving", max_removal_share AS "maxRemovalShare",
  alerts, created_by AS "createdBy", updated_by AS "updatedBy", created_at AS "createdAt", updated_at AS "updatedAt"`;

export function createExportStore(db: Db) {
  return {
    async create(e: NewExport): Promise<ExportConfig> {
      const [row] = await db.query<ExportConfig>(
        `INSERT INTO exports (id, display_name, connection_id, segment_ids, mapping, schedule, profile_limit, on_limit_exceeded, created_by,
           mode, remove_when_leaving, max_removal_share)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
        [
          e.id ?? randomUUID(),
          e.displayName,
          e.connectionId,
          JSON.stringify(e.segmentIds),
          JSON.stringify(e.mapping),
          e.schedule === null ? null : JSON.stringify(e.schedule),
          e.profileLimit,
          e.onLimitExceeded,
          e.createdBy,
          e.mode ?? 'incremental',
          e.removeWhenLeaving ?? false,
          e.maxRemovalShare ?? DEFAULT_MAX_REMOVAL_SHARE,
        ],
      );
      return row;
    },

    async get(id: string): Promise<ExportConfig | undefined> {
      const [row] = await db.query<ExportConfig>(`SELECT ${COLUMNS} FROM exports WHERE id = $1`, [id]);
      return row;
    },

    async list(): Promise<ExportConfig[]> {
      return db.query<ExportConfig>(`SELECT ${COLUMNS} FROM exports ORDER BY created_at, id`);
    },

    /** Applies the given fields (others are kept); undefined when there is no such export. */
    async update(id: string, changes: ExportChanges): Promise<ExportConfig | undefined> {
      const has = (key: keyof ExportChanges) => changes[key] !== undefined;
      const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));
      const [row] = await db.query<ExportConfig>(
        `UPDATE exports SET
           display_name = coalesce($2, display_name),
           connection_id = CASE WHEN $3 THEN $4 ELSE connection_id END,
           segment_ids = coalesce($5::jsonb, segment_ids),
           mapping = coalesce($6::jsonb, mapping),
           schedule = CASE WHEN $7 THEN $8::jsonb ELSE schedule END,
           profile_limit = coalesce($9, profile_limit),
           on_limit_exceeded = coalesce($10, on_limit_exceeded),
           updated_by = coalesce($11, updated_by),
           mode = coalesce($12, mode),
           remove_when_leaving = coalesce($13, remove_when_leaving),
           max_removal_share = coalesce($14, max_removal_share),
           updated_at = now()
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [
          id,
          changes.displayName ?? null,
          has('connectionId'),
          changes.connectionId ?? null,
          json(changes.segmentIds),
          json(changes.mapping),
          has('schedule'),
          json(changes.schedule),
          changes.profileLimit ?? null,
          changes.onLimitExceeded ?? null,
          changes.updatedBy ?? null,
          changes.mode ?? null,
          changes.removeWhenLeaving ?? null,
          changes.maxRemovalShare ?? null,
        ],
      );
      return row;
    },

    /** Its sync state goes with it (in the same statement): a new export of the same segments starts afresh. */
    async remove(id: string): Promise<boolean> {
      const rows = await db.query(
        `WITH gone AS (DELETE FROM exports WHERE id = $1 RETURNING id), state AS (DELETE FROM sync_state WHERE export_id IN (SELECT id FROM gone))
         SELECT id FROM gone`,
        [id],
      );
      return rows.length > 0;
    },

    /** Exports that send through this connection. */
    async listByConnection(connectionId: string): Promise<ExportConfig[]> {
      return db.query<ExportConfig>(`SELECT ${COLUMNS} FROM exports WHERE connection_id = $1 ORDER BY created_at, id`, [
        connectionId,
      ]);
    },
  };
}
export type ExportStore = ReturnType<typeof createExportStore>;

/** Who scheduled runs are attributed to: whoever last changed the export (they own what it does now). */
export const scheduleOwner = (e: ExportConfig): string => e.updatedBy ?? e.createdBy;

/** What a run needs to know of its export: ids and names, never secrets. */
export function toSettings(e: ExportConfig & { connectionId: string }): ExportSettings {
  return {
    exportId: e.id,
    connectionId: e.connectionId,
    segmentIds: e.segmentIds,
    mapping: e.mapping,
    profileLimit: e.profileLimit,
    onLimitExceeded: e.onLimitExceeded,
    mode: e.mode,
    removeWhenLeaving: e.removeWhenLeaving,
    maxRemovalShare: e.maxRemovalShare,
    ...(e.alerts && { alertEvents: e.alerts.events }),
  };
}
