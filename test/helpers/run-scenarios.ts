import { autopilotDestination } from '../../autopilot/destination';
import { PARK_AFTER_REJECTED_RUNS, type ExportSettings, type RunCounts } from '../../domain/export';
import { readBatches, recordSentBatch } from '../../store/batches';
import type { Db } from '../../store/db';
import { snapshotRun } from '../../store/freeze';
import { importProfiles } from '../../store/profiles';
import { readRemovals, recordRemovals } from '../../store/removals';
import { closeRun, countOutcomes, keptCounts, openRun } from '../../store/runs';
import { syncSignature } from '../../store/sync';
import { ensureExport } from './exports';

/**
 * Runs played against the store as the workflow plays them (freeze, record batches, record
 * removals, close), over profiles in four overlapping segments with shared, case-variant,
 * invalid and missing emails, Autopilot refusing some deliveries for several reasons (or none):
 * at every step, the counts a run keeps must be those countOutcomes counts from its items.
 */

const SEGMENTS = ['S1', 'S2', 'S3', 'S4'];
const LISTS = Object.fromEntries(SEGMENTS.map((s) => [s, `contactlist_${s}`]));
const REASONS = ['bounced', 'invalid address', null] as const;

/** A small deterministic generator (mulberry32): the same seed, the same scenario. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Profile {
  id: string;
  email?: string;
  segments: string[];
  first: string;
}

export interface ScenarioOptions {
  seed: number;
  profiles: number;
  /** Batches recorded at once (PostgreSQL: concurrently, as four activity slots do). */
  concurrency?: number;
  /** Called at every check with both counts. */
  check: (kept: RunCounts | undefined, recomputed: RunCounts, at: string) => void;
}

/** Every run of the scenario, each checked as it goes and once closed. */
export async function playScenarios(db: Db, o: ScenarioOptions): Promise<number> {
  const rnd = random(o.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const exportId = `export-${o.seed}`;
  const profiles: Profile[] = [];
  for (let i = 1; i <= o.profiles; i++) {
    const id = `${exportId}-p${String(i).padStart(5, '0')}`;
    const segments = SEGMENTS.filter(() => rnd() < 0.45);
    const r = rnd();
    const earlier = profiles.filter((p) => p.email?.includes('@'));
    const email =
      r < 0.08 ? undefined
      : r < 0.14 ? `not-an-email-${i}`
      : r < 0.3 && earlier.length ? ` ${pick(earlier).email!.trim().toUpperCase()} `
      : `person${i}.${o.seed}@example.com`;
    profiles.push({ id, email, segments: segments.length ? segments : [pick(SEGMENTS)], first: `F${i}` });
  }
  const load = (rows: Profile[]) =>
    importProfiles(db, (async function* () {
      for (const p of rows) yield JSON.stringify({ id: p.id, segments: p.segments, FirstName: p.first, ...(p.email === undefined ? {} : { EmailAddress: p.email }) });
    })());
  await load(profiles);
  // Refused in every run (parked after PARK_AFTER_REJECTED_RUNS), or now and then.
  const stubborn = new Set(profiles.filter(() => rnd() < 0.05).map((p) => p.email?.trim().toLowerCase()));
  let runs = 0;

  const base: ExportSettings = {
    exportId,
    connectionId: 'conn-1',
    segmentIds: SEGMENTS,
    mapping: { email: 'EmailAddress', firstName: 'FirstName' },
    profileLimit: 100_000,
    onLimitExceeded: 'send_first',
    mode: 'incremental',
  };
  await ensureExport(db, exportId, syncSignature(base));

  async function check(runId: string, at: string) {
    o.check(await keptCounts(db, runId), await countOutcomes(db, runId), `${runId} ${at}`);
  }

  /** Freezes, records `share` of the batches (in a shuffled order, some twice), records removals, closes. */
  async function play(s: ExportSettings, options: { share?: number; status?: 'completed' | 'failed' | 'cancelled' } = {}): Promise<string> {
    const runId = `${exportId}-run-${++runs}`;
    await openRun(db, { runId, exportId, workflowId: `wf-${runId}`, trigger: { kind: 'manual' }, dryRun: s.dryRun, redriveOf: s.redriveOf });
    const plan = await snapshotRun(db, runId, s, autopilotDestination, LISTS);
    await check(runId, 'frozen');
    if (s.dryRun) return runId;
    const order = Array.from({ length: plan.batches }, (_, b) => b).sort(() => rnd() - 0.5);
    const sent = order.slice(0, Math.round(order.length * (options.share ?? 1)));
    const concurrency = o.concurrency ?? 1;
    for (let k = 0; k < sent.length; k += concurrency) {
      await Promise.all(sent.slice(k, k + concurrency).map(async (batchNo) => {
        const items = (await readBatches(db, runId, batchNo, 1)).filter((i) => i.status === 'pending');
        const outcomes = items.map((i) => {
          const refused = stubborn.has(i.email?.toLowerCase()) || rnd() < 0.06;
          const reason = pick(REASONS);
          return refused ? { seq: i.seq, status: 'rejected' as const, ...(reason && { reason }) } : { seq: i.seq, status: 'exported' as const };
        });
        // A retry of a batch recorded already (a worker lost after recording it) changes nothing, even at the same time.
        const twice = rnd() < 0.15;
        await Promise.all([recordSentBatch(db, runId, batchNo, outcomes, LISTS), ...(twice ? [recordSentBatch(db, runId, batchNo, outcomes.map((x) => ({ ...x, status: 'exported' as const })), LISTS)] : [])]);
      }));
      await check(runId, `after ${k + concurrency} batches`);
    }
    for (const removal of plan.removals ? await readRemovals(db, runId, 0, plan.removals) : []) {
      const outcome = rnd() < 0.8 ? { seq: removal.seq, status: 'removed' as const } : { seq: removal.seq, status: 'failed' as const, reason: 'list gone' };
      await recordRemovals(db, runId, [outcome]);
      if (rnd() < 0.2) await recordRemovals(db, runId, [outcome]);
    }
    await check(runId, 'sent');
    const counts = (await keptCounts(db, runId))!;
    await closeRun(db, runId, options.status ?? 'completed', counts);
    return runId;
  }

  // A full first run; refreshes with some profiles changed (unchanged ones skipped), the stubborn
  // ones refused until parked; a run cut short, its re-drive; a dry run; a mirror run after some left.
  await play({ ...base, mode: 'full' });
  for (let r = 0; r < PARK_AFTER_REJECTED_RUNS; r++) {
    for (const p of profiles) if (rnd() < 0.1) p.first = `${p.first}'`;
    await load(profiles);
    await play(base);
  }
  const cut = await play({ ...base, mode: 'full' }, { share: 0.5, status: 'cancelled' });
  await play({ ...base, redriveOf: cut });
  await play({ ...base, dryRun: true });
  for (const p of profiles) if (rnd() < 0.1) p.segments = p.segments.slice(1).length ? p.segments.slice(1) : ['Elsewhere'];
  await load(profiles);
  const mirror = { ...base, removeWhenLeaving: true, maxRemovalShare: 1 };
  await play(mirror, { share: 0.7, status: 'failed' });
  return runs;
}
