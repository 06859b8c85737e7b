import type { ConnectionStore } from '../store/connections';
import type { Db } from '../store/db';
import type { ExportStore } from '../store/exports';
import { countProfiles, importProfiles } from '../store/profiles';
import { generateDemoProfiles } from './demo-data';

export const DEMO_PROFILE_COUNT = 120_000;
export const DEMO_EXPORT_NAME = 'VIP and Loyalty to Autopilot';

/** The demo's connection, to the local simulator, usable by contributors too. */
export function createDemoConnection(connections: ConnectionStore, autopilot: { apiKey: string; baseUrl: string }) {
  return connections.create({
    displayName: 'Demo Autopilot (local simulator)',
    apiKey: autopilot.apiKey,
    usableBy: 'admins_and_contributors',
    baseUrl: autopilot.baseUrl,
    createdBy: 'admin',
  });
}

/** The demo's Ortto connection, to the local Ortto simulator, beside the Autopilot one. */
export async function ensureDemoOrttoConnection(connections: ConnectionStore, ortto: { apiKey: string; baseUrl: string }): Promise<void> {
  if ((await connections.list()).some((c) => c.type === 'ortto')) return;
  await connections.create({
    type: 'ortto',
    displayName: 'Demo Ortto (local simulator)',
    apiKey: ortto.apiKey,
    usableBy: 'admins_and_contributors',
    baseUrl: ortto.baseUrl,
    createdBy: 'admin',
  });
}

async function* asAsync(lines: Iterable<string>): AsyncIterable<string> {
  yield* lines;
}

/**
 * First start only: loads the demo profiles and creates a demo connection and export, so a
 * newcomer can run an export at once. Leaves a store that already has data alone.
 */
export async function setUpDemo(
  db: Db,
  stores: { connections: ConnectionStore; exports: ExportStore },
  autopilot: { apiKey: string; baseUrl: string },
  profileCount = DEMO_PROFILE_COUNT,
): Promise<{ exportId?: string; loaded: number }> {
  let loaded = 0;
  if ((await countProfiles(db)) === 0) {
    console.log(`Loading ${profileCount.toLocaleString('en')} demo profiles …`);
    loaded = (await importProfiles(db, asAsync(generateDemoProfiles({ count: profileCount, seed: 42 })))).imported;
  }
  if ((await stores.connections.list()).length > 0) {
    const [first] = await stores.exports.list();
    return { exportId: first?.id, loaded };
  }
  const connection = await createDemoConnection(stores.connections, autopilot);
  const demo = await stores.exports.create({
    displayName: DEMO_EXPORT_NAME,
    connectionId: connection.id,
    segmentIds: ['VIP', 'Loyalty'],
    mapping: { email: 'EmailAddress', firstName: 'FirstName', lastName: 'LastName', fields: { Company: 'Company', 'string--Plan': 'Plan' } },
    schedule: null,
    profileLimit: 100_000,
    onLimitExceeded: 'fail',
    createdBy: 'admin',
  });
  return { exportId: demo.id, loaded };
}
