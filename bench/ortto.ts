import { countsAddUp } from '../domain/export';
import { startOrttoSim } from '../ortto-sim';
import { toSettings } from '../store/exports';
import type { TestStack } from '../test/helpers/stack';

/**
 * Ortto at its documented rate (`npm run bench -- --scenario o`): one export of the bench segment
 * to the Ortto simulator, which serves 10 requests a second per key and answers 429 above it, run
 * against its floor (one merge of 100 people per turn).
 */

export interface OrttoFigures {
  wallSeconds: number;
  floorSeconds: number;
  merges: number;
  people: number;
  peakPerSecond: number;
  rateLimited: number;
}

const KEY = 'PRV-bench-ortto-key';
export const ORTTO_RATE = 10;

export async function orttoRun(stack: TestStack, segment: string, profiles: number): Promise<OrttoFigures> {
  const ortto = await startOrttoSim({ keys: [KEY], rateLimit: ORTTO_RATE });
  try {
    const connection = await stack.connections.create({
      displayName: 'Ortto', type: 'ortto', apiKey: KEY, baseUrl: ortto.url, region: 'eu', usableBy: 'admins', requestsPerSecond: ORTTO_RATE, createdBy: 'bench',
    });
    const e = await stack.createExport({ connectionId: connection.id, segmentIds: [segment], profileLimit: Math.max(profiles, 100_000), onLimitExceeded: 'send_first' });
    const started = Date.now();
    const { counts } = await (await stack.startRun(toSettings({ ...e, connectionId: connection.id }))).result();
    const wall = (Date.now() - started) / 1000;
    const people = ortto.sim.people(KEY).length;
    if (!countsAddUp(counts) || counts.exported !== profiles || people !== profiles) throw new Error(`Ortto run: ${people} people, ${JSON.stringify(counts)}`);
    const stats = ortto.sim.stats(KEY);
    return { wallSeconds: wall, floorSeconds: Math.ceil(profiles / 100) / ORTTO_RATE, merges: stats.merges, people, peakPerSecond: stats.peakPerSecond, rateLimited: stats.rateLimited };
  } finally {
    await ortto.close();
  }
}
