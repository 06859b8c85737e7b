import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { FIXTURES_DIR } from '../../helpers/history';

/**
 * Histories of real runs (normal with continue-as-new, faults, blocked then rotated, rejected key)
 * replayed against today's workflow code: a change that would break running exports fails here.
 */
const fixtures = readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.json'));

describe('workflow replay', () => {
  let workflowBundle: { code: string };
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../../workflows'), logger: new DefaultLogger('ERROR') });
  }, 60_000);

  it('has fixtures to replay', () => expect(fixtures.length).toBeGreaterThanOrEqual(4));

  it.each(fixtures)('replays %s deterministically', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(FIXTURES_DIR, file), 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle }, history, file)).resolves.toBeUndefined();
  }, 60_000);
});
