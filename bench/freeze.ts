import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { autopilotDestination } from '../autopilot/destination';
import type { ExportSettings } from '../domain/export';
import { readBatches, recordSentBatch } from '../store/batches';
import { openDb, type Db } from '../store/db';
import { snapshotRun } from '../store/freeze';
import { closeRun, keptCounts, openRun } from '../store/runs';
import { ensureExport } from '../test/helpers/exports';
import { startPostgres } from '../test/helpers/postgres';
import { importWatched, WATCHED_SEGMENTS } from './watched';

/**
 * The freeze alone, without Temporal (`npx tsx bench/freeze.ts [--profiles N] [--postgres] [--runs N]`):
 * scenario w's profiles (four overlapping segments) in a file-backed PGlite or a throwaway
 * PostgreSQL, frozen `--runs` times as a first run (nothing delivered yet), then every batch
 * recorded as sent, then frozen `--runs` times as a refresh with nothing changed. Prints each
 * freeze's wall time and, on PGlite (which runs in this process), the process's CPU time, which
 * a busy machine disturbs less.
 */
const profiles = Number(argument('--profiles') ?? 100_000);
const runs = Number(argument('--runs') ?? 3);
const LISTS = Object.fromEntries(WATCHED_SEGMENTS.map((s, i) => [s, `list-${i}`]));

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function timed(label: string, fn: () => Promise<unknown>): Promise<void> {
  const [wall, cpu] = [performance.now(), process.cpuUsage()];
  const result = await fn();
  const used = process.cpuUsage(cpu);
  console.log(`${label}: ${(performance.now() - wall).toFixed(0)} ms wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU`, JSON.stringify(result));
}

async function main(): Promise<void> {
  const postgres = process.argv.includes('--postgres') ? await startPostgres() : undefined;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-freeze-'));
  const db: Db = await openDb(postgres ? { url: postgres.url } : { dataDir });
  try {
    const memberships = await importWatched(db, profiles);
    console.log(`${postgres ? 'PostgreSQL' : 'PGlite'}: ${profiles} profiles, ${memberships} memberships`);
    const s: ExportSettings = {
      exportId: 'bench-freeze',
      connectionId: 'conn',
      segmentIds: WATCHED_SEGMENTS,
      mapping: { email: 'EmailAddress', firstName: 'FirstName', lastName: 'LastName' },
      profileLimit: 100_000,
      onLimitExceeded: 'send_first',
      mode: 'incremental',
    };
    await ensureExport(db, s.exportId);
    const freeze = async (runId: string) => {
      await openRun(db, { runId, exportId: s.exportId, workflowId: runId, trigger: { kind: 'manual' } });
      return snapshotRun(db, runId, s, autopilotDestination, LISTS);
    };
    for (let r = 1; r <= runs; r++) await timed(`first run ${r}`, () => freeze(`first-${r}`));
    const { batches } = await snapshotRun(db, 'first-1', s, autopilotDestination, LISTS);
    for (let b = 0; b < batches; b += 20) {
      const items = await readBatches(db, 'first-1', b, 20);
      for (let k = b; k < Math.min(b + 20, batches); k++) {
        await recordSentBatch(db, 'first-1', k, items.filter((i) => i.batchNo === k).map((i) => ({ seq: i.seq, status: 'exported' as const })), LISTS);
      }
    }
    await closeRun(db, 'first-1', 'completed', (await keptCounts(db, 'first-1'))!);
    if (postgres) await db.exec('ANALYZE');
    for (let r = 1; r <= runs; r++) await timed(`nothing changed ${r}`, () => freeze(`refresh-${r}`));
  } finally {
    await db.close();
    await postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
