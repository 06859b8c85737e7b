import type { Db } from '../store/db';
import { toSettings } from '../store/exports';
import type { RunCounts } from '../domain/export';
import type { TestStack } from '../test/helpers/stack';
import { TEST_API_KEY } from '../test/helpers/stack';
import { runPhases } from './phases';

/** What scenario 5 measures of one run. */
export interface SyncRunFigures {
  run: string;
  wallSeconds: number;
  upsertRequests: number;
  removalRequests: number;
  counts: RunCounts;
  /** Most requests the simulator received in any one second of this run. */
  maxPerSecond: number;
  /** Its own floor: changed memberships at 100 per request, then removals one per request, at 5 requests/s. */
  floorSeconds: number;
  /** Its activities from the start, when each was scheduled and how long it took (see runPhases). */
  steps: string;
}

/** The key's rate for the refreshes (Autopilot's); the first, full run may go faster, it only seeds the sync state. */
const RATE = 5;
const FIRST_RUN_RATE = 100;

/**
 * Scenario 5, send only what changed: an incremental mirror-mode export of `segment` (`count`
 * profiles) is run once in full, then refreshed with nothing changed, then with 1 % of its
 * profiles changed and 0.5 % gone from the segment. The simulator must hold exactly what the
 * runs report: the changed contacts, every remaining membership, none of the gone ones.
 */
export async function syncRefreshes(
  stack: TestStack,
  db: Db,
  segment: string,
  count: number,
  maxPerSecondSince: (startedMs: number) => number,
): Promise<SyncRunFigures[]> {
  const connection = await stack.createConnection(TEST_API_KEY, FIRST_RUN_RATE);
  const e = await stack.createExport({
    connectionId: connection.id,
    segmentIds: [segment],
    mode: 'incremental',
    removeWhenLeaving: true,
    profileLimit: Math.max(count, 100_000),
    onLimitExceeded: 'send_first',
  });
  const settings = toSettings({ ...e, connectionId: connection.id });
  const measure = async (run: string, floorSeconds: number): Promise<SyncRunFigures> => {
    const before = stack.sim.sim.stats(TEST_API_KEY);
    const started = Date.now();
    const handle = await stack.startRun(settings, { concurrency: 4 });
    const { counts } = await handle.result();
    const after = stack.sim.sim.stats(TEST_API_KEY);
    const { setupSteps } = await runPhases(stack.client, handle.workflowId);
    console.log(`${run}: ${setupSteps}`);
    return {
      run,
      wallSeconds: (Date.now() - started) / 1000,
      upsertRequests: after.upserts - before.upserts,
      removalRequests: removalRequests(after) - removalRequests(before),
      counts,
      maxPerSecond: maxPerSecondSince(started),
      floorSeconds,
      steps: setupSteps,
    };
  };

  const first = await measure('5 first, full', count / (100 * FIRST_RUN_RATE));
  if (first.counts.exported !== count) throw new Error(`first run exported ${first.counts.exported} of ${count}`);
  await db.query('UPDATE connections SET requests_per_second = $2 WHERE id = $1', [connection.id, RATE]);

  const unchanged = await measure('5 refresh, nothing changed', 0);
  if (unchanged.upsertRequests !== 0) throw new Error(`the unchanged refresh sent ${unchanged.upsertRequests} upserts`);

  // 1 %: every profile whose number ends in 00 changes its first name; 0.5 %: those ending in
  // 050, 250, 450, 650 or 850 leave the segment (profile ids end in a 7-digit number).
  const changed = (
    await db.query(
      `UPDATE profiles SET attributes = jsonb_set(attributes, '{FirstName}', to_jsonb('Changed ' || id))
       WHERE right(id, 2) = '00' AND id IN (SELECT profile_id FROM segment_members WHERE segment_id = $1) RETURNING 1`,
      [segment],
    )
  ).length;
  const gone = (
    await db.query(
      `DELETE FROM segment_members WHERE segment_id = $1 AND right(profile_id, 3) IN ('050', '250', '450', '650', '850') RETURNING 1`,
      [segment],
    )
  ).length;
  const refresh = await measure('5 refresh, 1 % changed, 0.5 % gone', changed / (100 * RATE) + gone / RATE);
  checkDestination(stack, segment, count - gone, refresh, changed, gone);
  return [first, unchanged, refresh];
}

/** The simulator holds what the refresh reports: the changed contacts sent once each, the gone memberships removed. */
function checkDestination(stack: TestStack, segment: string, members: number, refresh: SyncRunFigures, changed: number, gone: number): void {
  const contacts = stack.sim.sim.contacts(TEST_API_KEY);
  const onList = contacts.filter((c) => c.list_titles.includes(segment)).length;
  const renamed = contacts.filter((c) => String(c.FirstName ?? '').startsWith('Changed ')).length;
  const problems = [
    refresh.counts.exported !== changed && `exported ${refresh.counts.exported}, not ${changed}`,
    renamed !== changed && `${renamed} contacts hold a changed name, not ${changed}`,
    onList !== members && `${onList} memberships on the list, not ${members}`,
    refresh.removalRequests < gone && `${refresh.removalRequests} removal requests for ${gone} gone`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`scenario 5: ${problems.join('; ')}`);
}

const removalRequests = (stats: ReturnType<TestStack['sim']['sim']['stats']>) => stats.byPath['DELETE /list/:listId/contact/:idOrEmail'] ?? 0;
