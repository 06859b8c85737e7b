import type { ApiClient, ApiClientOptions } from '../../../cli/api-client';
import { ApiError } from '../../../cli/errors';
import { main } from '../../../cli/main';
import type { Run } from '../../../cli/types';
import { aRun, completed, fakeClient, fakeIo } from './fakes';

/** Runs the command line against a fake API; answers exit code, output and the options the client got. */
async function cli(argv: string[], client: Partial<ApiClient> = {}, env?: Record<string, string | undefined>) {
  const f = fakeIo(env);
  const options: ApiClientOptions[] = [];
  const code = await main(argv, { io: f.io, createClient: (o) => (options.push(o), fakeClient(client)) });
  return { code, stdout: f.stdout(), stderr: f.stderr(), options };
}

const sequence = (runs: Run[]) => {
  let i = 0;
  return async () => runs[Math.min(i++, runs.length - 1)];
};
const TOKEN = 'secret-token-0123';

describe('segment-export arguments and output', () => {
  it('takes URL and token from the environment, flags first', async () => {
    const listExports = async () => [];
    const fromEnv = await cli(['exports'], { listExports }, { SEGMENT_EXPORT_URL: 'http://env:1', SEGMENT_EXPORT_TOKEN: 'env-token' });
    expect(fromEnv.options[0]).toEqual({ baseUrl: 'http://env:1', token: 'env-token' });
    expect(fromEnv.stdout).toBe('No exports.\n');

    const fromFlags = await cli(['--url', 'http://flag:2', 'exports', '--token', 'flag-token'], { listExports }, { SEGMENT_EXPORT_URL: 'http://env:1' });
    expect(fromFlags.options[0]).toEqual({ baseUrl: 'http://flag:2', token: 'flag-token' });

    const byDefault = await cli(['exports'], { listExports });
    expect(byDefault.options[0].baseUrl).toBe('http://localhost:3000');
  });

  it('says in one line that a token is missing, before calling anything', async () => {
    const r = await cli(['connections'], {}, {});
    expect(r).toMatchObject({ code: 1, stdout: '', options: [] });
    expect(r.stderr).toBe('segment-export: no API token: set SEGMENT_EXPORT_TOKEN or pass --token (npm start prints the first admin token)\n');
  });

  it('refuses bad arguments with one line and exit 1', async () => {
    for (const argv of [['outcomes', 'r1', '--status', 'pending'], ['run'], ['nope'], ['run', 'e1', '--follow', '--interval', '0']]) {
      const r = await cli(argv);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^segment-export: error: /);
    }
  });

  it('documents the exit codes in --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 /);
  });

  it('starts a run and says how to follow it, or prints the API answer under --json', async () => {
    const startRun = async () => ({ runId: 'run-1', links: { self: '/runs/run-1', outcomes: '/runs/run-1/outcomes' } });
    expect((await cli(['run', 'exp-1'], { startRun })).stdout).toBe('Started run run-1\nFollow it with: segment-export runs show run-1 --follow\n');
    expect(JSON.parse((await cli(['run', 'exp-1', '--json'], { startRun })).stdout)).toMatchObject({ runId: 'run-1' });
  });

  it('starts a dry run or a full run with the options in the body, and none without flags', async () => {
    const asked: unknown[] = [];
    const startRun = async (_exportId: string, options?: unknown) => (asked.push(options), { runId: 'run-2', links: { self: '', outcomes: '' } });
    expect((await cli(['run', 'exp-1', '--dry-run'], { startRun })).stdout).toBe('Started dry run run-2\nFollow it with: segment-export runs show run-2 --follow\n');
    await cli(['run', 'exp-1', '--dry-run', '--full'], { startRun });
    await cli(['run', 'exp-1', '--full'], { startRun });
    await cli(['run', 'exp-1'], { startRun });
    expect(asked).toEqual([{ dryRun: true }, { dryRun: true, mode: 'full' }, { mode: 'full' }, {}]);
  });

  it("re-drives a run, says which, and follows it to its end; a refusal is one line", async () => {
    const asked: string[] = [];
    const redriveRun = async (runId: string) => (asked.push(runId), { runId: 'run-3', links: { self: '', outcomes: '' } });
    expect((await cli(['runs', 'redrive', 'run-1'], { redriveRun })).stdout).toBe('Started run run-3, re-driving run run-1\nFollow it with: segment-export runs show run-3 --follow\n');
    expect(asked).toEqual(['run-1']);
    const followed = await cli(['runs', 'redrive', 'run-1', '--follow', '--interval', '0.001'], { redriveRun, getRun: sequence([aRun({ id: 'run-3' }), completed({ id: 'run-3', redriveOf: 'run-1', mode: 'full' })]) });
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/^Re-drive of: +run-1$/m);

    const nothing = () => Promise.reject(new ApiError(409, 'nothing_to_redrive', 'The run has no rejected, parked or unsent profiles to send again'));
    const refused = await cli(['runs', 'redrive', 'run-1'], { redriveRun: nothing });
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toBe('segment-export: The run has no rejected, parked or unsent profiles to send again [nothing_to_redrive, HTTP 409]\n');
  });

  it("shows a dry run's plan with a few examples per category", async () => {
    const plan = {
      toAdd: 2, toUpdate: 1, unchanged: 1200, toRemove: 0, removalsHeld: { 'settings changed': 40 }, skipped: { 'no email': 3 },
      examples: {
        toAdd: [{ profileId: 'p1', email: 'ann@example.com', segmentId: 'VIP' }, { profileId: 'p2', email: 'bob@example.com', segmentId: 'VIP' }],
        toUpdate: [{ profileId: 'p3', email: 'cat@example.com', segmentId: 'Loyalty' }],
        unchanged: [1, 2, 3, 4].map((i) => ({ profileId: `q${i}`, email: `q${i}@example.com`, segmentId: 'VIP' })),
        'no email': [{ profileId: 'p9', email: null, segmentId: 'VIP' }],
      },
    };
    const r = await cli(['runs', 'show', 'run-1'], { getRun: async () => completed({ dryRun: true, mode: 'incremental', plan, counts: { total: 1206, exported: 0, pending: 3, skipped: { unchanged: 1200, 'no email': 3 }, rejected: {} } }) });
    expect(r.stdout).toMatch(/^Mode: +incremental$/m);
    expect(r.stdout).toMatch(/^Dry run: +yes/m);
    expect(r.stdout).toContain('Plan (per (email, segment list); a real run would do this):\n');
    expect(r.stdout).toMatch(/^ {2}To add: +2 {2}e\.g\. "ann@example\.com" \(VIP\), "bob@example\.com" \(VIP\)$/m);
    expect(r.stdout).toMatch(/^ {2}Unchanged: +1,200 {2}e\.g\. "q1@example\.com" \(VIP\), "q2@example\.com" \(VIP\), "q3@example\.com" \(VIP\), …$/m);
    expect(r.stdout).toMatch(/^ {2}To remove: +0$/m);
    expect(r.stdout).toMatch(/^ {2}Not removed: settings changed: +40$/m);
    expect(r.stdout).toMatch(/^ {2}Skipped: no email: +3 {2}e\.g\. - \(VIP\), …$/m);
    // A run that is not a dry run has no plan section.
    expect((await cli(['runs', 'show', 'run-1'], { getRun: async () => completed() })).stdout).not.toContain('Plan');
  });

  it('prints a 409 with the running run, and under --json the error as the document', async () => {
    const startRun = () => Promise.reject(new ApiError(409, 'run_in_progress', 'A run of this export is already going', { runId: 'run-0' }));
    const r = await cli(['run', 'exp-1', '--json'], { startRun });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('segment-export: A run of this export is already going (run run-0) [run_in_progress, HTTP 409]\n');
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'run_in_progress', message: 'A run of this export is already going', status: 409, details: { runId: 'run-0' } } });
  });

  it('follows a run to completion with plain lines when stdout is no terminal: exit 0', async () => {
    const r = await cli(['run', 'exp-1', '--follow', '--interval', '0.001'], {
      startRun: async () => ({ runId: 'run-1', links: { self: '', outcomes: '' } }),
      getRun: sequence([aRun(), aRun({ percent: 75 }), completed()]),
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('run run-1:'));
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('exporting 75%');
    expect(r.stdout).toMatch(/^Status: +completed$/m);
    expect(r.stderr).toBe('');
  });

  it('exits 2 when a followed run ends otherwise, saying why on stderr; --json prints only the final run', async () => {
    const failed = completed({ status: 'failed', error: 'Autopilot refused the API key' });
    const r = await cli(['runs', 'show', 'run-1', '--follow', '--json'], { getRun: sequence([aRun(), failed]) }, { SEGMENT_EXPORT_TOKEN: TOKEN, SEGMENT_EXPORT_INTERVAL: '0.001' });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 'run-1', status: 'failed' });
    expect(r.stderr).toBe('Run run-1 ended failed: Autopilot refused the API key\n');
  });

  it('refuses an interval in the environment that is not one', async () => {
    const r = await cli(['runs', 'show', 'run-1', '--follow'], {}, { SEGMENT_EXPORT_TOKEN: TOKEN, SEGMENT_EXPORT_INTERVAL: 'soon' });
    expect(r).toMatchObject({ code: 1, stderr: 'segment-export: SEGMENT_EXPORT_INTERVAL must be a number of seconds above 0, not "soon"\n' });
  });

  it('lists a run history and shows one run', async () => {
    const { links: _links, phase: _phase, percent: _percent, throughput: _t, etaSeconds: _eta, ...summary } = completed();
    const listRuns = async (exportId: string) => (exportId === 'exp-1' ? [summary] : []);
    const history = await cli(['runs', 'exp-1'], { listRuns });
    expect(history.stdout.split('\n')[0]).toMatch(/^RUN +STATUS +TRIGGER +MODE +STARTED/);
    expect(history.stdout).toContain('run-1  completed  manual');

    const shown = await cli(['runs', 'show', 'run-1'], { getRun: async () => aRun() });
    expect(shown.stdout).toMatch(/^ETA: +40s$/m);
  });

  it.each(['pause', 'resume', 'cancel'] as const)('asks the API to %s a run, and prints its refusal cleanly', async (action) => {
    const asked: string[] = [];
    const runAction = async (runId: string, a: string) => (asked.push(`${a} ${runId}`), { runId, status: `${a}d` });
    const ok = await cli(['runs', action, 'run-1'], { runAction });
    expect(ok).toMatchObject({ code: 0, stdout: `Run run-1: ${action}d\n` });
    expect(asked).toEqual([`${action} run-1`]);

    const notThere = () => Promise.reject(new ApiError(404, 'not_found', `No route POST /runs/run-1/${action}`));
    const refused = await cli(['runs', action, 'run-1'], { runAction: notThere });
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toBe(`segment-export: No route POST /runs/run-1/${action} [not_found, HTTP 404]\n`);
  });

  it('approves a blocked run\'s removals, saying who approved, or prints the refusal', async () => {
    const asked: string[] = [];
    const runAction = async (runId: string, a: string) => (asked.push(`${a} ${runId}`), { runId, status: 'running', approvedBy: 'alice' });
    const ok = await cli(['runs', 'approve-removals', 'run-1'], { runAction });
    expect(ok).toMatchObject({ code: 0, stdout: 'Run run-1: removals approved by alice; it goes on\n' });
    expect(asked).toEqual(['approve-removals run-1']);
    expect(JSON.parse((await cli(['runs', 'approve-removals', 'run-1', '--json'], { runAction })).stdout)).toEqual({ runId: 'run-1', status: 'running', approvedBy: 'alice' });

    const notWaiting = () => Promise.reject(new ApiError(409, 'run_not_steerable', 'The run is not waiting for approval of removals'));
    const refused = await cli(['runs', 'approve-removals', 'run-1'], { runAction: notWaiting });
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toBe('segment-export: The run is not waiting for approval of removals [run_not_steerable, HTTP 409]\n');
  });

  it('prints every outcome, as a table or as one JSON document', async () => {
    const row = (id: string) => ({ profileId: id, email: `${id}@x.org`, status: 'rejected' as const, reason: 'invalid email', sentAs: null });
    const outcomesPage = async (_: string, q: { cursor?: string }) => (q.cursor ? { outcomes: [row('p2')], nextCursor: null } : { outcomes: [row('p1')], nextCursor: 'c' });

    const asTable = await cli(['outcomes', 'run-1', '--status', 'rejected'], { outcomesPage });
    expect(asTable.stdout.trim().split('\n')).toHaveLength(3);
    const asJson = await cli(['outcomes', 'run-1', '--json'], { outcomesPage });
    expect(JSON.parse(asJson.stdout).outcomes.map((o: { profileId: string }) => o.profileId)).toEqual(['p1', 'p2']);
  });

  it('stops following on Ctrl-C with exit 130, saying the run goes on', async () => {
    const f = fakeIo();
    const getRun = async () => (f.interrupt(), aRun());
    const code = await main(['runs', 'show', 'run-1', '--follow'], { io: f.io, createClient: () => fakeClient({ getRun }) });
    expect(code).toBe(130);
    expect(f.stderr()).toBe('Stopped following run run-1; it goes on (stop it with: segment-export runs cancel run-1)\n');
  });

  it('never prints the token', async () => {
    const failing = () => Promise.reject(new ApiError(401, 'unauthorized', 'Missing, unknown or revoked bearer token'));
    const r = await cli(['connections', '--json', '--token', TOKEN], { listConnections: failing });
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });
});
