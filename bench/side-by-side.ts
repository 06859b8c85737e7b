import { countsAddUp } from '../domain/export';
import type { Db } from '../store/db';
import { toSettings } from '../store/exports';
import { importProfiles } from '../store/profiles';
import { startTestStack } from '../test/helpers/stack';

/**
 * Keys side by side (`npm run bench -- --scenario k`): as many exports as keys, each on a key of its
 * own at 5 requests/s with 100–300 ms latency, all started at once, as many teams sharing one
 * deployment do. Nothing but each key's own budget should limit its requests: the aggregate while
 * sending should come close to the sum of the keys' rates, and no key should go above its own.
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
  /** From the starts to the first request any key received. */
  firstRequestSeconds: number;
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

export async function sideBySide(options: { db: Db; keys: number; perKey: number; received: number[] }): Promise<SideBySideFigures> {
  const keys = Array.from({ length: options.keys }, (_, k) => k);
  const stack = await startTestStack({ db: options.db, sim: { keys: keys.map(key), rateLimit: RATE, faults: { latencyMs: [100, 300] } } });
  try {
    const settings = await Promise.all(
      keys.map(async (k) => {
        const connection = await stack.createConnection(key(k), RATE);
        const e = await stack.createExport({ connectionId: connection.id, segmentIds: [segment(k)] });
        return toSettings({ ...e, connectionId: connection.id });
      }),
    );
    options.received.length = 0;
    const started = Date.now();
    const handles = await Promise.all(settings.map((s) => stack.startRun(s)));
    const results = await Promise.all(handles.map((h) => h.result()));
    const wall = (Date.now() - started) / 1000;
    for (const { counts } of results) {
      if (!countsAddUp(counts) || counts.exported !== options.perKey) throw new Error(`side by side: ${JSON.stringify(counts)}`);
    }
    const stats = keys.map((k) => stack.sim.sim.stats(key(k)));
    const firstUpserts = stats.map((s) => s.requests - s.upserts - s.rateLimited);
    const sending = sendingWindow(options.received, firstUpserts.reduce((a, b) => a + b, 0));
    return {
      keys: options.keys,
      profilesPerKey: options.perKey,
      wallSeconds: wall,
      floorSeconds: Math.ceil(options.perKey / 100) / RATE,
      aggregateRequestsPerSecond: Number(sending.toFixed(1)),
      sumOfRates: options.keys * RATE,
      peakPerKey: Math.max(...stats.map((s) => s.maxReceivedPerSecond)),
      rateLimited: stats.reduce((n, s) => n + s.rateLimited, 0),
      firstRequestSeconds: Number(((Math.min(...options.received) - started) / 1000).toFixed(1)),
    };
  } finally {
    await stack.close();
  }
}

/**
 * Requests per second between the first and the last upsert, all keys together: the requests before
 * (key checks and lists, about `before` of them) are left out.
 */
function sendingWindow(received: number[], before: number): number {
  const times = [...received].sort((a, b) => a - b).slice(before);
  return (times.length - 1) / ((times[times.length - 1] - times[0]) / 1000);
}
