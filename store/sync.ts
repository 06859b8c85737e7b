import { createHash } from 'node:crypto';
import type { Db } from './db';
import type { ExportSettings, SyncMode } from '../domain/export';
import { recordRunMode } from './runs';

/**
 * Sync state: per export, what the engine last delivered for each (email, segment list) and how it
 * ended. Written by recordSentBatch (store/runs.ts) in the statement that records the batch; read
 * by the freeze, which sends only what is new, changed or not delivered last time.
 */

/**
 * SQL of a delivery's content hash: the email as sent and the mapped fields' jsonb text (canonical:
 * jsonb orders its keys). The space cannot occur in a sendable email, so the two parts never run
 * into each other. The freeze and recordSentBatch compute it from the same values.
 */
export const contentHashSql = (email: string, fields: string) => `md5(${email} || ' ' || ${fields}::text)`;

/**
 * What an export's sync state was built under: its connection (another Autopilot account knows
 * none of it), and its mapping and segments (a change there is a full run, so nothing relies on
 * state planned for other settings). Segment order does not matter.
 */
export function syncSignature(s: Pick<ExportSettings, 'connectionId' | 'mapping' | 'segmentIds'>): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([canonical(s.mapping), [...s.segmentIds].sort()]))
    .digest('hex');
  return `${s.connectionId} ${digest}`;
}

/** The connection a signature was made for. */
const connectionOf = (signature: string) => signature.slice(0, signature.lastIndexOf(' '));

/** JSON with object keys sorted, so an equal mapping has one text. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, canonical(v)]),
  );
}

export interface ResolvedMode {
  mode: SyncMode;
  /** Why a run is full: for the log, and, when its settings changed, to plan no removals. */
  why?: FullBecause;
}

export type FullBecause = 'forced' | 'changed settings' | 're-drive';

/**
 * Decides the mode of a run, inside the freeze's transaction, and records it on the run:
 * - a run whose export's mapping, segments or connection changed since its sync state was planned
 *   (or that has state of unknown settings): full, because its settings changed;
 * - a re-drive, a run asking for `full`, or a run started before sync modes (no mode): full;
 * - otherwise the export's mode.
 * A real run (not a dry run, not a re-drive) then marks the export's signature as planned; a new
 * connection also drops the sync state of the old one, which a run on this one must not trust.
 * A retried freeze keeps the mode, and the reason, its first attempt chose (the first attempt has
 * marked the signature planned: a retry could not see the change any more).
 */
export async function resolveRunMode(tx: Db, runId: string, s: ExportSettings): Promise<ResolvedMode> {
  const [run] = await tx.query<{ mode: SyncMode | null; why: FullBecause | null }>('SELECT mode, full_because AS why FROM runs WHERE id = $1 FOR UPDATE', [runId]);
  const resolved: ResolvedMode = run?.mode ? { mode: run.mode, ...(run.why && { why: run.why }) } : await decide(tx, s);
  await recordRunMode(tx, runId, resolved.mode, resolved.why);
  return resolved;
}

async function decide(tx: Db, s: ExportSettings): Promise<ResolvedMode> {
  if (s.redriveOf) return { mode: 'full', why: 're-drive' };
  const signature = syncSignature(s);
  const [row] = await tx.query<{ signature: string | null }>('SELECT sync_signature AS signature FROM exports WHERE id = $1', [s.exportId]);
  const planned = row?.signature ?? null;
  // Nothing planned yet: new, unless state of unknown settings is there.
  const changed = planned === null ? await hasSyncState(tx, s.exportId) : planned !== signature;
  if (!s.dryRun && planned !== signature) {
    if (planned !== null && connectionOf(planned) !== s.connectionId) await tx.query('DELETE FROM sync_state WHERE export_id = $1', [s.exportId]);
    await tx.query('UPDATE exports SET sync_signature = $2 WHERE id = $1', [s.exportId, signature]);
  }
  if (changed) return { mode: 'full', why: 'changed settings' };
  if (s.mode !== 'incremental') return { mode: 'full', why: 'forced' };
  return { mode: 'incremental' };
}

/** Whether the export has any sync state: without it, an incremental run compares nothing. */
export async function hasSyncState(db: Db, exportId: string): Promise<boolean> {
  const [row] = await db.query<{ found: boolean }>('SELECT EXISTS (SELECT FROM sync_state WHERE export_id = $1) AS found', [exportId]);
  return row.found;
}
