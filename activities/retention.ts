import { Context, log } from '@temporalio/activity';
import type { Db } from '../store/db';
import { purgeRunDetails, type PurgeResult } from '../store/retention';

export interface RetentionDeps {
  db: Db;
  /** Runs that finished longer ago than this lose their per-profile details. */
  retentionDays: number;
}

const DAY_MS = 24 * 3600_000;

/** The store side of retention, run by the runDetailsRetention workflow on the main task queue. */
export function createRetentionActivities(deps: RetentionDeps) {
  return {
    /** One bounded pass: the workflow calls it again while `more`. Heartbeats after every chunk. */
    async purgeExpiredRunDetails(): Promise<PurgeResult> {
      const finishedBefore = new Date(Date.now() - deps.retentionDays * DAY_MS);
      const result = await purgeRunDetails(deps.db, { finishedBefore, onChunk: () => Context.current().heartbeat() });
      if (result.rowsDeleted > 0 || result.runsDeleted > 0) log.info('Run details purged', { ...result, retentionDays: deps.retentionDays });
      return result;
    },
  };
}

export type RetentionActivities = ReturnType<typeof createRetentionActivities>;
