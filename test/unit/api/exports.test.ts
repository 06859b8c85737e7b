import { exportWorkflowId } from '../../../domain/ids';
import { connectionBody, createConnection, createExport, exportBody } from './fixtures';
import { createHarness, HARNESS_TIMEOUT, json, seedProfiles, type Harness } from './harness';

let h: Harness;
let shared: string;
let adminsOnly: string;
beforeAll(async () => {
  h = await createHarness();
}, HARNESS_TIMEOUT);
beforeEach(async () => {
  await h.reset();
  await seedProfiles(h.db);
  shared = await createConnection(h);
  adminsOnly = await createConnection(h, { displayName: 'Admins only', usableBy: 'admins' });
});
afterAll(() => h.close());

const issuesOf = async (res: Response) => (await json(res)).error.details.issues.map((i: { path: unknown[] }) => i.path);

describe('POST /exports', () => {
  it('saves the export and its schedule without starting a run', async () => {
    const res = await h.call('contributor', 'POST', '/exports', exportBody(shared, { schedule: { cron: '30 6 * * MON-FRI', timezone: 'Europe/Amsterdam' } }));
    expect(res.status).toBe(201);
    const created = await json(res);
    expect(res.headers.get('location')).toBe(`/exports/${created.id}`);
    expect(created).toMatchObject({ connectionId: shared, active: true, segmentIds: ['VIP'], profileLimit: 100_000, onLimitExceeded: 'fail', createdBy: 'carl' });
    expect(h.schedules.get(created.id)).toEqual({ cron: '30 6 * * MON-FRI', timezone: 'Europe/Amsterdam' });
    expect(h.runState.going.size).toBe(0);
  });

  it('names unknown segments, and refuses an empty list', async () => {
    expect(await issuesOf(await h.call('admin', 'POST', '/exports', exportBody(shared, { segmentIds: ['VIP', 'Ghosts'] })))).toEqual([['segmentIds', 1]]);
    expect(await issuesOf(await h.call('admin', 'POST', '/exports', exportBody(shared, { segmentIds: [] })))).toEqual([['segmentIds']]);
  });

  it('names mapped attributes that no profile has', async () => {
    const mapping = { email: 'Mail', firstName: 'FirstName', fields: { Company: 'Employer', 'string--Plan': 'Company' } };
    const res = await h.call('admin', 'POST', '/exports', exportBody(shared, { mapping }));
    expect(res.status).toBe(400);
    expect(await issuesOf(res)).toEqual([['mapping', 'email'], ['mapping', 'fields', 'Company']]);
  });

  it('refuses Autopilot fields that are neither standard nor typed custom fields', async () => {
    const res = await h.call('admin', 'POST', '/exports', exportBody(shared, { mapping: { email: 'EmailAddress', fields: { Plan: 'Company' } } }));
    expect(res.status).toBe(400);
    expect((await issuesOf(res))[0]).toEqual(['mapping', 'fields', 'Plan']);
  });

  it.each([
    [{ cron: '61 * * * *', timezone: 'UTC' }, ['schedule', 'cron']],
    [{ cron: '0 6 * *', timezone: 'UTC' }, ['schedule', 'cron']],
    [{ cron: '0 6 * * *', timezone: 'Mars/Olympus' }, ['schedule', 'timezone']],
    [{ cron: '0 6 * * *', timezone: '+01:00' }, ['schedule', 'timezone']],
  ])('refuses schedule %j naming %j', async (schedule, path) => {
    const res = await h.call('admin', 'POST', '/exports', exportBody(shared, { schedule }));
    expect(res.status).toBe(400);
    expect(await issuesOf(res)).toEqual([path]);
    expect(h.schedules.size).toBe(0);
  });

  it.each([0, 100_001, 1.5])('refuses profileLimit %p', async (profileLimit) => {
    expect(await issuesOf(await h.call('admin', 'POST', '/exports', exportBody(shared, { profileLimit })))).toEqual([['profileLimit']]);
  });

  it('does not let a contributor use a connection not shared with them', async () => {
    const res = await h.call('contributor', 'POST', '/exports', exportBody(adminsOnly));
    expect(await issuesOf(res)).toEqual([['connectionId']]);
    expect((await h.call('admin', 'POST', '/exports', exportBody(adminsOnly))).status).toBe(201);
  });
});

describe('reading exports', () => {
  it('shows contributors only exports on connections shared with them', async () => {
    const visible = await createExport(h, shared);
    const hidden = await createExport(h, adminsOnly);
    const list = await json(await h.call('contributor', 'GET', '/exports'));
    expect(list.exports.map((e: { id: string }) => e.id)).toEqual([visible]);
    expect((await h.call('contributor', 'GET', `/exports/${hidden}`)).status).toBe(404);
    expect((await json(await h.call('admin', 'GET', '/exports'))).exports).toHaveLength(2);
    expect((await h.call('admin', 'GET', '/exports/nope')).status).toBe(404);
  });
});

describe('PATCH /exports/:id', () => {
  it('updates fields and the schedule, and removes the schedule with null', async () => {
    const id = await createExport(h, shared, { schedule: { cron: '0 6 * * *', timezone: 'UTC' } });
    const res = await h.call('contributor', 'PATCH', `/exports/${id}`, { displayName: 'Renamed', schedule: { cron: '@daily', timezone: 'Asia/Tokyo' } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ displayName: 'Renamed', schedule: { cron: '@daily', timezone: 'Asia/Tokyo' }, segmentIds: ['VIP'] });
    expect(h.schedules.get(id)).toEqual({ cron: '@daily', timezone: 'Asia/Tokyo' });
    await h.call('contributor', 'PATCH', `/exports/${id}`, { schedule: null });
    expect(h.schedules.has(id)).toBe(false);
  });

  it('validates what it changes', async () => {
    const id = await createExport(h, shared);
    expect(await issuesOf(await h.call('admin', 'PATCH', `/exports/${id}`, { segmentIds: ['Ghosts'] }))).toEqual([['segmentIds', 0]]);
    expect(await issuesOf(await h.call('contributor', 'PATCH', `/exports/${id}`, { connectionId: adminsOnly }))).toEqual([['connectionId']]);
  });

  it('hides exports not visible to the caller', async () => {
    const id = await createExport(h, adminsOnly);
    expect((await h.call('contributor', 'PATCH', `/exports/${id}`, { displayName: 'x' })).status).toBe(404);
  });
});

describe('DELETE /exports/:id', () => {
  it('cancels the running run and removes the schedule first', async () => {
    const id = await createExport(h, shared, { schedule: { cron: '0 6 * * *', timezone: 'UTC' } });
    expect((await h.call('admin', 'POST', `/exports/${id}/runs`)).status).toBe(202);
    expect((await h.call('contributor', 'DELETE', `/exports/${id}`)).status).toBe(204);
    expect(h.runState.going.has(exportWorkflowId(id))).toBe(false);
    expect(h.schedules.has(id)).toBe(false);
    expect((await h.call('admin', 'GET', `/exports/${id}`)).status).toBe(404);
    expect((await h.call('admin', 'DELETE', `/exports/${id}`)).status).toBe(404);
  });
});

describe('bounds', () => {
  it.each(['* * * * *', '*/5 * * * *', '0-10 * * * *', '0,10 * * * *'])('refuses a schedule as frequent as %s (at most every 15 min)', async (cron) => {
    const connectionId = await createConnection(h);
    const res = await h.call('admin', 'POST', '/exports', exportBody(connectionId, { schedule: { cron, timezone: 'UTC' } }));
    expect(res.status).toBe(400);
    expect((await json(res)).error.details.issues[0]).toMatchObject({ path: ['schedule', 'cron'], code: 'schedule_too_frequent' });
  });

  it('accepts every 15 minutes', async () => {
    const connectionId = await createConnection(h);
    const res = await h.call('admin', 'POST', '/exports', exportBody(connectionId, { schedule: { cron: '*/15 * * * *', timezone: 'UTC' } }));
    expect(res.status).toBe(201);
  });

  it.each([1e-300, 0, -1, 1e9])('refuses requestsPerSecond %s with a 400', async (requestsPerSecond) => {
    const res = await h.call('admin', 'POST', '/connections', connectionBody(h, { requestsPerSecond }));
    expect(res.status).toBe(400);
    expect((await json(res)).error.details.issues[0].path).toEqual(['requestsPerSecond']);
  });
});

describe('sync settings', () => {
  it('makes new exports incremental, without mirror mode, with a 10 % removal share', async () => {
    const created = await json(await h.call('admin', 'POST', '/exports', exportBody(shared)));
    expect(created).toMatchObject({ mode: 'incremental', removeWhenLeaving: false, maxRemovalShare: 0.1 });
  });

  it('saves, changes and shows them, and passes them to the runs it starts', async () => {
    const res = await h.call('admin', 'POST', '/exports', exportBody(shared, { mode: 'full', removeWhenLeaving: true, maxRemovalShare: 0.25 }));
    expect(res.status).toBe(201);
    const { id } = await json(res);
    expect(await json(await h.call('contributor', 'GET', `/exports/${id}`))).toMatchObject({ mode: 'full', removeWhenLeaving: true, maxRemovalShare: 0.25 });

    const patched = await json(await h.call('admin', 'PATCH', `/exports/${id}`, { mode: 'incremental', maxRemovalShare: 1 }));
    expect(patched).toMatchObject({ mode: 'incremental', removeWhenLeaving: true, maxRemovalShare: 1 });

    await h.call('contributor', 'POST', `/exports/${id}/runs`);
    expect(h.runState.going.get(exportWorkflowId(id))?.settings).toMatchObject({ mode: 'incremental', removeWhenLeaving: true, maxRemovalShare: 1 });
  });

  it('leaves removals to admins: a contributor may not turn mirror mode on or widen the share, but may narrow them', async () => {
    const forbidden = async (res: Response) => expect({ status: res.status, code: (await json(res)).error?.code }).toEqual({ status: 403, code: 'forbidden' });
    await forbidden(await h.call('contributor', 'POST', '/exports', exportBody(shared, { removeWhenLeaving: true })));
    await forbidden(await h.call('contributor', 'POST', '/exports', exportBody(shared, { maxRemovalShare: 0.2 })));
    const mine = await json(await h.call('contributor', 'POST', '/exports', exportBody(shared, { maxRemovalShare: 0.05 })));
    expect(mine).toMatchObject({ removeWhenLeaving: false, maxRemovalShare: 0.05 });
    await forbidden(await h.call('contributor', 'PATCH', `/exports/${mine.id}`, { removeWhenLeaving: true }));

    const { id } = await json(await h.call('admin', 'POST', '/exports', exportBody(shared, { removeWhenLeaving: true, maxRemovalShare: 0.5 })));
    await forbidden(await h.call('contributor', 'PATCH', `/exports/${id}`, { maxRemovalShare: 0.6 }));
    // Sent back as they are, or narrowed: allowed.
    expect((await h.call('contributor', 'PATCH', `/exports/${id}`, { removeWhenLeaving: true, maxRemovalShare: 0.5 })).status).toBe(200);
    expect(await json(await h.call('contributor', 'PATCH', `/exports/${id}`, { removeWhenLeaving: false, maxRemovalShare: 0.3 }))).toMatchObject({
      removeWhenLeaving: false,
      maxRemovalShare: 0.3,
    });
    expect(await json(await h.call('admin', 'GET', `/exports/${id}`))).toMatchObject({ removeWhenLeaving: false, maxRemovalShare: 0.3 });

    // An admin's share below the default stands too: narrowed once, never widened back by a contributor.
    await forbidden(await h.call('contributor', 'PATCH', `/exports/${mine.id}`, { maxRemovalShare: 0.1 }));
    const { id: tight } = await json(await h.call('admin', 'POST', '/exports', exportBody(shared, { maxRemovalShare: 0.02 })));
    await forbidden(await h.call('contributor', 'PATCH', `/exports/${tight}`, { maxRemovalShare: 0.05 }));
  });

  it.each([
    ['mode', 'sometimes'],
    ['removeWhenLeaving', 'yes'],
    ['maxRemovalShare', 0],
    ['maxRemovalShare', 1.5],
    ['maxRemovalShare', -0.1],
  ])('refuses %s = %j', async (field, value) => {
    expect(await issuesOf(await h.call('admin', 'POST', '/exports', exportBody(shared, { [field]: value })))).toEqual([[field]]);
    const id = await createExport(h, shared);
    expect(await issuesOf(await h.call('admin', 'PATCH', `/exports/${id}`, { [field]: value }))).toEqual([[field]]);
  });
});
