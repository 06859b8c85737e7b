import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { countsAddUp } from '../../domain/export';
import { toSettings } from '../../store/exports';
import { freePort, startDevServer, type DevServer } from '../../scripts/temporal-server';
import { progressQuery } from '../../workflows';
import { simContacts, until } from '../helpers/assertions';
import { buildProfiles, expectedExport, loadProfiles } from '../helpers/profiles';
import { startTestStack, TEST_API_KEY, type TestStack } from '../helpers/stack';

const profiles = buildProfiles(3_000);
const SEGMENTS = ['A', 'B', 'C'];

/** A Temporal server of its own, with its state in a file, restarted in the middle of a run. */
describe('a Temporal server restart', () => {
  let dir: string;
  let port: number;
  let server: DevServer;
  let stack: TestStack;

  const start = () => startDevServer({ port, dbFile: path.join(dir, 'temporal.db') });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'segment-export-temporal-'));
    port = await freePort();
    server = await start();
    stack = await startTestStack({ temporalAddress: server.address, sim: { faults: { latencyMs: [20, 60], refuseEmails: '^refused-' } } });
    await loadProfiles(stack.db, profiles);
  });
  afterAll(async () => {
    await stack?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('does not stop a run: it completes once the server is back', async () => {
    const connection = await stack.createConnection();
    const settings = toSettings({ ...(await stack.createExport({ connectionId: connection.id, segmentIds: SEGMENTS })), connectionId: connection.id });
    const handle = await stack.startRun(settings, { concurrency: 2 });
    await until('a few batches', async () => ((await handle.query(progressQuery)).batchesDone >= 3 ? true : undefined));

    await server.stop();
    await new Promise((r) => setTimeout(r, 2_000));
    server = await start();
    const { counts } = await handle.result();

    expect(countsAddUp(counts)).toBe(true);
    const expected = expectedExport(profiles, SEGMENTS);
    expect(new Set(simContacts(stack.sim.sim, TEST_API_KEY).keys())).toEqual(new Set(expected.contacts.keys()));
  });
});
