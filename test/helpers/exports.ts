import type { Db } from '../../store/db';

/**
 * A bare export row, for store tests that write sync state directly: sync state belongs to an
 * export (it goes with it), so its export must exist first. `syncSignature`: the settings that
 * state was delivered under (store/sync.ts), so a run with them is not "changed"; a signature set
 * already stays.
 */
export async function ensureExport(db: Db, id: string, syncSignature?: string): Promise<void> {
  await db.query(
    `INSERT INTO exports (id, display_name, segment_ids, mapping, profile_limit, on_limit_exceeded, created_by, sync_signature)
     VALUES ($1, $1, '[]', '{"email":"EmailAddress"}', 100000, 'fail', 'test', $2)
     ON CONFLICT (id) DO UPDATE SET sync_signature = coalesce(exports.sync_signature, excluded.sync_signature)`,
    [id, syncSignature ?? null],
  );
}
