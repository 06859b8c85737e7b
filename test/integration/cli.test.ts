import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { API_TOKEN, startApiStack, type ApiStack } from '../helpers/api-stack';
import { until } from '../helpers/assertions';
import { buildProfiles, loadProfiles } from '../helpers/profiles';
import { TEST_API_KEY } from '../helpers/stack';

const BIN = path.resolve(__dirname, '../../bin/segment-export.cjs');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The command line as a user runs it: the bin in a process of its own, against the real API.
 * Asynchronous, so that this process (which serves the API) keeps answering meanwhile.
 */
function cli(s: ApiStack, ...args: string[]): Promise<Result> {
  // The test runner's NODE_OPTIONS (vm modules) are not the user's.
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const childEnv = { ...env, SEGMENT_EXPORT_URL: s.url, SEGMENT_EXPORT_TOKEN: API_TOKEN, SEGMENT_EXPORT_INTERVAL: '0.2' };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: childEnv }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at /m);

describe('segment-export command line', () => {
  let s: ApiStack;

  beforeAll(async () => {
    s = await startApiStack();
    await loadProfiles(s.db, buildProfiles(600));
  });
  afterAll(() => s?.close());

  /** A connection and an export through the API; the connection's id too, to break its key. */
  async function createExport(segmentIds: string[], requestsPerSecond = 20): Promise<{ exportId: string; connectionId: string }> {
    const connection = await s.api('POST', '/connections', {
      displayName: 'Simulated Autopilot', apiKey: TEST_API_KEY, usableBy: 'admins', privacyConsent: true, baseUrl: s.sim.url, requestsPerSecond,
    });
    expect(connection.status).toBe(201);
    const created = await s.api('POST', '/exports', {
      displayName: 'CLI', connectionId: connection.body.id, segmentIds,
      mapping: { email: 'EmailAddress', firstName: 'FirstName', lastName: 'LastName' },
    });
    expect(created.status).toBe(201);
    return { exportId: created.body.id, connectionId: connection.body.id };
  }

  it('runs an export and follows it to completion: exit 0, progress lines, then the run', async () => {
    const { exportId } = await createExport(['B']);

    const r = await cli(s, 'run', exportId, '--follow');

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^run [\w-]+: .*sent [\d,]+\/[\d,]+, rejected \d+/m);
    expect(r.stdout).toMatch(/^Status: +completed$/m);
  });

  it('prints JSON that parses, for a run, a run history and its outcomes', async () => {
    const { exportId } = await createExport(['C']);
    const followed = await cli(s, 'run', exportId, '--follow', '--json');
    expect(followed.code).toBe(0);
    const run = JSON.parse(followed.stdout);
    expect(run).toMatchObject({ exportId, status: 'completed' });

    const history = JSON.parse((await cli(s, 'runs', exportId, '--json')).stdout);
    expect(history.runs.map((r: { id: string }) => r.id)).toEqual([run.id]);
    const shown = JSON.parse((await cli(s, 'runs', 'show', run.id, '--json')).stdout);
    expect(shown).toMatchObject({ id: run.id, status: 'completed', counts: run.counts });

    const outcomes = JSON.parse((await cli(s, 'outcomes', run.id, '--json')).stdout).outcomes;
    const skipped = Object.values(run.counts.skipped as Record<string, number>).reduce((a, b) => a + b, 0);
    const rejected = Object.values(run.counts.rejected as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(outcomes).toHaveLength(skipped + rejected);
    const table = await cli(s, 'outcomes', run.id, '--status', 'skipped');
    expect(table.stdout.trim().split('\n')).toHaveLength(skipped + 1); // and the header
  });

  it('exits non-zero when the followed run fails (Autopilot refuses the key), saying why', async () => {
    const { exportId, connectionId } = await createExport(['A']);
    // The API checks a key when it is saved, so the bad one goes into the store directly.
    await s.connections.update(connectionId, { apiKey: 'ffffffffffffffffffffffffffffffff' });

    const r = await cli(s, 'run', exportId, '--follow', '--json');

    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ exportId, status: 'failed' });
    expect(r.stderr).toMatch(/^Run [\w-]+ ended failed: .+\n$/);
  });

  it('says which run is going on a second start, cancels it, and a followed cancelled run exits non-zero', async () => {
    const { exportId } = await createExport(['A', 'B', 'C'], 1);
    const started = await s.api('POST', `/exports/${exportId}/runs`);
    expect(started.status).toBe(202);
    const runId: string = started.body.runId;

    const again = await cli(s, 'run', exportId);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`segment-export: A run of this export is already going (run ${runId}) [run_in_progress, HTTP 409]\n`);

    const cancelled = await cli(s, 'runs', 'cancel', runId);
    expect(cancelled).toMatchObject({ code: 0, stdout: `Run ${runId}: cancelling\n` });
    const followed = await cli(s, 'runs', 'show', runId, '--follow');
    expect(followed.code).toBe(2);
    expect(followed.stdout).toMatch(/^Status: +cancelled$/m);
    await until('the run to be over', async () => ((await s.api('GET', `/runs/${runId}`)).body.status === 'running' ? undefined : true));
  });

  it('prints an API error as one line, with no stack trace', async () => {
    const r = await cli(s, 'run', 'no-such-export');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^segment-export: .*\[not_found, HTTP 404\]\n$/);
    noStackTrace(r.stderr);
  });

  it('lists connections and exports', async () => {
    const { exportId, connectionId } = await createExport(['A']);
    expect((await cli(s, 'connections')).stdout).toContain(connectionId);
    const exports = JSON.parse((await cli(s, 'exports', '--json')).stdout).exports;
    expect(exports.map((e: { id: string }) => e.id)).toContain(exportId);
  });

  it('imports an NDJSON file and reports rejected lines by number', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'cli-import-')), 'profiles.ndjson');
    const lines = [1, 2, 3].map((i) => JSON.stringify({ id: `cli-${i}`, segments: ['CLI'], EmailAddress: `cli${i}@example.com` }));
    writeFileSync(file, [...lines, '{not json'].join('\n') + '\n');

    const r = await cli(s, 'import', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Imported 3 profiles, rejected 1 line\n {2}line 4: .+\n$/);
    expect(JSON.parse((await cli(s, 'import', file, '--json')).stdout)).toMatchObject({ imported: 3, rejected: 1 });
  });
});
