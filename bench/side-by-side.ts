import os from 'node:os';
import path from 'node:path';
import { countsAddUp } from '../domain/export';
import { startSimProcess } from '../scripts/cluster/processes';
import type { Db } from '../store/db';
import { toSettings } from '../store/exports';
import { importProfiles } from '../store/profiles';
import { startTestStack } from '../test/helpers/stack';

/**
 * Keys side by side (`npm run bench -- --scenario k`): as many exports as keys, each on a key of its
 * own at 5 requests/s with 100–300 ms latency, all started at once, as many teams sharing one
 * deployment do. Nothing but each key's own budget should limit its requests: the aggregate while
 * sending should come close to the sum of the keys' rates, and no key should go above its own. The
 * simulator is a process of its own, as Autopilot is: its clock is not the busy engine's.
 */

export interface SideBySideFigures {
  keys: number;
  profilesPerKey: number;
  wallSeconds: number;
  /** One key's floor: its batches at its rate. */
  floorSeconds: number;
  /** Requests per second the simulator received while sending (first to last upsert), all keys. */
  aggregateRequestsPerSecond: number;
  sumOfRates: number;
  /** Of each key, the most requests in any sliding second: never above its rate. */
  peakPerKey: number;
  rateLimited: number;
  /** Every request the simulator received, key checks and lists included. */
  requests: number;
}

const RATE = 5;
const key = (k: number) => `${String(k).padStart(2, '0')}ab`.repeat(8);
const segment = (k: number) => `Key${String(k).padStart(2, '0')}`;

/** `perKey` profiles in each key's segment. */
export async function importSideBySide(db: Db, keys: number, perKey: number): Promise<void> {
  async function* lines() {
    for (let k = 0; k < keys; k++) {
      for (let i = 1; i <= perKey; i++) {
        const id = `${segment(k)}-${String(i).padStart(6, '0')}`;
        yield JSON.stringify({ id, segments: [segment(k)], EmailAddress: `${id.toLowerCase()}@example.com`, FirstName: `F${i}` });
      }
    }
  }
  await importProfiles(db, lines());
  await db.exec('ANALYZE profiles; ANALYZE segment_members');
}

export async function sideBySide(options: { db: Db; keys: number; perKey: number }): Promise<SideBySideFigures> {
  const keys = Array.from({ length: options.keys }, (_, k) => k);
  const sim = await startSimProcess({ keys: keys.map(key), rateLimit: RATE, faults: { latencyMs: [100, 300] } }, path.join(os.tmpdir(), 'bench-side-by-side-sim.log'));
  const stack = await startTestStack({ db: options.db });
  try {
    const settings = await Promise.all(
      keys.map(async (k) => {
        const connection = await stack.connections.create({
          displayName: segment(k), apiKey: key(k), baseUrl: sim.url, usableBy: 'admins', requestsPerSecond: RATE, createdBy: 'bench',
        });
        const e = await stack.createExport({ connectionId: connection.id, segmentIds: [segment(k)] });
        return toSettings({ ...e, connectionId: connection.id });
      }),
    );
    const started = Date.now();
    const handles = await Promise.all(settings.map((s) => stack.startRun(s)));
    const results = await Promise.all(handles.map((h) => h.result()));
    const wall = (Date.now() - started) / 1000;
    for (const { counts } of results) {
      if (!countsAddUp(counts) || counts.exported !== options.perKey) throw new Error(`side by side: ${JSON.stringify(counts)}`);
    }
    const stats = await Promise.all(keys.map((k) => sim.stats(key(k))));
    const arrivals = (await Promise.all(keys.map((k) => sim.arrivals(key(k))))).flat();
    const upserts = arrivals.filter((a) => a.request === 'POST /contacts').map((a) => a.at);
    return {
      keys: options.keys,
      profilesPerKey: options.perKey,
      wallSeconds: wall,
      floorSeconds: Math.ceil(options.perKey / 100) / RATE,
      aggregateRequestsPerSecond: Number(perSecond(upserts).toFixed(1)),
      sumOfRates: options.keys * RATE,
      peakPerKey: Math.max(...stats.map((s) => s.maxReceivedPerSecond)),
      rateLimited: stats.reduce((n, s) => n + s.rateLimited, 0),
      requests: arrivals.length,
    };
  } finally {
    await stack.close();
    await sim.stop();
  }
}

/** Requests per second from the first to the last of them (ms timestamps). */
function perSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return (sorted.length - 1) / ((sorted[sorted.length - 1] - sorted[0]) / 1000);
}
