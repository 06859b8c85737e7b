import { removeMemberships } from '../../../activities/remove-memberships';
import { AutopilotClient, AutopilotError } from '../../../autopilot';
import { startAutopilotSim, type RunningAutopilotSim } from '../../../autopilot-sim';
import { openDb, type Db } from '../../../store/db';
import { readRemovals } from '../../../store/removals';
import { ensureExport } from '../../helpers/exports';
import { autopilotDestination } from '../../../autopilot/destination';
import type { Destination } from '../../../destinations';

const KEY = '0123456789abcdef0123456789abcdef';
const RUN = 'run-1';
const EMAILS = ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'];

let db: Db;
let running: RunningAutopilotSim;
let client: AutopilotClient;
let listId: string;
const signal = new AbortController().signal;

beforeAll(async () => {
  db = await openDb();
}, 60_000);
afterAll(() => db.close());
beforeEach(async () => {
  running = await startAutopilotSim({ keys: [KEY], rateLimit: 0 });
  client = new AutopilotClient({ baseUrl: running.url, apiKey: KEY, timeoutMs: 2_000 });
  listId = await client.createList('VIP');
  await client.upsertContacts(EMAILS.map((Email) => ({ Email, _autopilot_list: listId })));
  await db.exec('TRUNCATE runs, run_removals, sync_state');
  await ensureExport(db, 'exp-1');
  await db.query("INSERT INTO runs (id, export_id, workflow_id, trigger, status) VALUES ($1, 'exp-1', 'wf', 'manual', 'running')", [RUN]);
  // Planned as the freeze plans them: every delivered membership here has left its segment.
  for (const [seq, email] of EMAILS.entries()) {
    await db.query(
      `INSERT INTO sync_state (export_id, email_key, segment_id, list_id, email, status, run_id) VALUES ('exp-1', $1, 'VIP', $2, $1, 'exported', 'earlier')`,
      [email, listId],
    );
    await db.query("INSERT INTO run_removals (run_id, seq, email_key, email, segment_id, list_id) VALUES ($1, $2, $3, $3, 'VIP', $4)", [RUN, seq, email, listId]);
  }
});
afterEach(async () => {
  client.close();
  await running.close();
});

const input = (first: number, count: number) => ({ runId: RUN, connectionId: 'conn-1', first, count });
const listMembers = () => running.sim.contacts(KEY).filter((c) => c.lists.includes(listId)).map((c) => c.Email).sort();
const synced = async () => (await db.query<{ email: string }>('SELECT email FROM sync_state ORDER BY email')).map((r) => r.email);
const deletes = () => running.sim.stats(KEY).byPath['DELETE /list/:listId/contact/:idOrEmail'] ?? 0;

/** Autopilot behind the destination port, as the activities open it. */
const destination = (): Destination => autopilotDestination.open({ baseUrl: running.url, apiKey: KEY, timeoutMs: 2_000 });

/** The real destination, except for the emails named: those throw what they are given. */
function failing(errors: Record<string, AutopilotError>): Destination {
  const real = destination();
  return Object.assign(Object.create(real) as Destination, {
    removeMembership: (place: string, email: string) => (errors[email] ? Promise.reject(errors[email]) : real.removeMembership(place, email)),
  });
}

describe('removeMemberships', () => {
  it('takes exactly its slice off the list, forgets those memberships, and deletes no contact', async () => {
    expect(await removeMemberships(db, destination(), input(1, 2), signal)).toEqual({ removed: 2, failed: 0, kept: 0 });
    expect(listMembers()).toEqual(['a@example.com', 'd@example.com']);
    expect(running.sim.contacts(KEY)).toHaveLength(4);
    expect(running.sim.stats(KEY).removalsByList).toEqual({ [listId]: 2 });
    expect(await synced()).toEqual(['a@example.com', 'd@example.com']);
    expect((await readRemovals(db, RUN, 0, 4)).map((r) => r.status)).toEqual(['pending', 'removed', 'removed', 'pending']);
  });

  it('leaves on its list a membership another export delivered since the freeze, and forgets it as held', async () => {
    await ensureExport(db, 'exp-2');
    await db.query(
      `INSERT INTO sync_state (export_id, email_key, segment_id, list_id, email, status, run_id) VALUES ('exp-2', 'b@example.com', 'VIP', $1, 'b@example.com', 'exported', 'other')`,
      [listId],
    );
    expect(await removeMemberships(db, destination(), input(0, 4), signal)).toEqual({ removed: 3, failed: 0, kept: 1 });
    expect(listMembers()).toEqual(['b@example.com']);
    expect(deletes()).toBe(3);
    expect(await synced()).toEqual(['b@example.com']);
    expect((await readRemovals(db, RUN, 0, 4)).map((r) => r.status)).toEqual(['removed', 'kept', 'removed', 'removed']);
    const [run] = await db.query<{ held: unknown }>('SELECT removals_held AS held FROM runs WHERE id = $1', [RUN]);
    expect(run.held).toEqual({ 'delivered by another export': 1 });
    // A retry neither removes nor counts it again.
    expect(await removeMemberships(db, destination(), input(0, 4), signal)).toEqual({ removed: 3, failed: 0, kept: 1 });
    expect(deletes()).toBe(3);
  });

  it('on a retry, skips what an earlier attempt removed and counts it', async () => {
    await removeMemberships(db, destination(), input(0, 2), signal);
    const before = deletes();
    expect(await removeMemberships(db, destination(), input(0, 4), signal)).toEqual({ removed: 4, failed: 0, kept: 0 });
    expect(deletes() - before).toBe(2);
    expect(listMembers()).toEqual([]);
    expect(await synced()).toEqual([]);
  });

  it('records each removal as it goes: a failure keeps what was done, the requests in flight with it, and leaves the failed one pending', async () => {
    const down = new AutopilotError('unavailable', 'Autopilot answered 500', { status: 500, retryAfterMs: 1 });
    await expect(removeMemberships(db, failing({ 'c@example.com': down }), input(0, 4), signal)).rejects.toBe(down);
    // Four in flight at once: d went out beside c.
    expect((await readRemovals(db, RUN, 0, 4)).map((r) => r.status)).toEqual(['removed', 'removed', 'pending', 'removed']);
    expect(await synced()).toEqual(['c@example.com']);
  });

  it('fails a removal Autopilot refuses on its own, keeping its sync state; a refused key is thrown', async () => {
    const refused = new AutopilotError('rejected', 'Autopilot answered 400 Bad Request: Invalid contact_id_or_email value provided.', { status: 400 });
    expect(await removeMemberships(db, failing({ 'b@example.com': refused }), input(0, 3), signal)).toEqual({ removed: 2, failed: 1, kept: 0 });
    const rows = await db.query('SELECT seq, status, reason FROM run_removals WHERE seq = 1');
    expect(rows).toEqual([{ seq: 1, status: 'failed', reason: refused.message }]);
    expect(await synced()).toEqual(['b@example.com', 'd@example.com']);

    const auth = new AutopilotError('auth', 'Autopilot answered 401 Unauthorized', { status: 401 });
    await expect(removeMemberships(db, failing({ 'd@example.com': auth }), input(3, 1), signal)).rejects.toBe(auth);
    expect(await synced()).toEqual(['b@example.com', 'd@example.com']);
  });

  it('sends nothing once its attempt is cancelled', async () => {
    const cancelled = new AbortController();
    cancelled.abort();
    await expect(removeMemberships(db, destination(), input(0, 4), cancelled.signal)).rejects.toThrow();
    expect(deletes()).toBe(0);
    expect(listMembers()).toHaveLength(4);
  });
});
