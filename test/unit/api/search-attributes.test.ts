import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createRunLauncher } from '../../../api/run-launcher';
import { SEARCH_ATTRIBUTE_NAMES } from '../../../domain/run-labels';
import { createSearchAttributeGuard } from '../../../temporal/search-attributes';
import { createFakeOperator, createRecordingLogger, grpcError } from '../temporal/fake-operator';
import { createConnection, createExport } from './fixtures';
import { createHarness, GOOD_KEY, HARNESS_TIMEOUT, json, seedProfiles, type Harness } from './harness';

const KEYWORD = 2;
const PERMISSION_DENIED = 7;
const COMMAND = `temporal operator search-attribute create --namespace default ${SEARCH_ATTRIBUTE_NAMES.map((n) => `--name ${n}`).join(' ')} --type Keyword`;

/** The SDK's wrapper around a server's refusal, as `client.workflow.start` throws it. */
const startFailed = (code: number, details: string) =>
  Object.assign(new Error('Failed to start Workflow'), { name: 'ServiceError', cause: grpcError(code, details) });

/** A Temporal client that records starts, or fails them with `failStart`. */
function createFakeClient() {
  const state = { starts: [] as { typedSearchAttributes?: unknown }[], failStart: undefined as Error | undefined };
  const client = {
    options: { namespace: 'default' },
    connection: { withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn() },
    workflowService: { getSystemInfo: async () => ({}) },
    workflow: {
      async start(_workflow: unknown, options: { typedSearchAttributes?: unknown }) {
        if (state.failStart) throw state.failStart;
        state.starts.push(options);
        return { firstExecutionRunId: randomUUID() };
      },
    },
  } as unknown as Client;
  return { client, state };
}

let h: Harness;
let clock = 0;
const operator = createFakeOperator();
const temporal = createFakeClient();
const guardLog = createRecordingLogger();

beforeAll(async () => {
  h = await createHarness({
    runs: (db) =>
      createRunLauncher({
        client: temporal.client,
        db,
        taskQueue: 'exports',
        searchAttributes: createSearchAttributeGuard({ connection: operator.connection, namespace: 'default', logger: guardLog.logger, now: () => clock }),
      }),
  });
}, HARNESS_TIMEOUT);
afterAll(() => h.close());

/** A fresh export (so that each start is the export's first) over profiles with emails. */
async function newExport(): Promise<string> {
  await h.reset();
  await seedProfiles(h.db, 3);
  return createExport(h, await createConnection(h), { segmentIds: ['VIP'] });
}

describe('a Temporal namespace without the runs\' search attributes', () => {
  it('answers a run start 503 naming them and the command, says so on /health, and starts once an operator adds them', async () => {
    operator.state.refuseAdding = grpcError(PERMISSION_DENIED, 'Request unauthorized.');
    const exportId = await newExport();

    const refused = await h.call('admin', 'POST', `/exports/${exportId}/runs`);
    expect(refused.status).toBe(503);
    const { error } = await json(refused);
    expect(error).toMatchObject({ code: 'search_attributes_missing', details: { missing: SEARCH_ATTRIBUTE_NAMES, command: COMMAND } });
    expect(error.message).toContain(`lacks the search attributes ${SEARCH_ATTRIBUTE_NAMES.join(', ')}`);
    expect(error.message).toContain(COMMAND);
    expect(temporal.state.starts).toHaveLength(0);

    const health = await h.call('anonymous', 'GET', '/health');
    expect(health.status).toBe(503);
    expect(await json(health)).toEqual({
      status: 'unavailable',
      store: 'ok',
      temporal: 'ok',
      searchAttributes: { status: 'missing', missing: SEARCH_ATTRIBUTE_NAMES, command: COMMAND },
    });

    // The operator runs the command; the API sees it within seconds, without a restart.
    Object.assign(operator.state.present, Object.fromEntries(SEARCH_ATTRIBUTE_NAMES.map((n) => [n, KEYWORD])));
    clock += 10_000;
    expect((await h.call('admin', 'POST', `/exports/${exportId}/runs`)).status).toBe(202);
    expect(temporal.state.starts).toHaveLength(1);
    expect(await json(await h.call('anonymous', 'GET', '/health'))).toMatchObject({ status: 'ok', searchAttributes: { status: 'ok' } });
  });

  it('answers 503 naming the attribute the server refused a start over, where it could not list them', async () => {
    // Asked again after the previous test's answer: listing refused, as some hosted clusters do.
    operator.state.refuseListing = grpcError(PERMISSION_DENIED, 'Request unauthorized.');
    temporal.state.failStart = startFailed(3, 'Namespace default has no mapping defined for search attribute ExportId');
    const exportId = await newExport();
    try {
      const res = await h.call('admin', 'POST', `/exports/${exportId}/runs`);
      expect(res.status).toBe(503);
      expect((await json(res)).error).toMatchObject({
        code: 'search_attributes_missing',
        details: { missing: ['ExportId'], command: 'temporal operator search-attribute create --namespace default --name ExportId --type Keyword' },
      });
    } finally {
      operator.state.refuseListing = undefined;
      temporal.state.failStart = undefined;
    }
  });
});

describe('a 500', () => {
  it("logs the server's gRPC status and details under the SDK's wrapper, and no secret or profile data", async () => {
    const exportId = await newExport();
    temporal.state.failStart = startFailed(8, 'namespace rate limit exceeded');
    try {
      const res = await h.call('admin', 'POST', `/exports/${exportId}/runs`);
      expect(res.status).toBe(500);
      expect((await json(res)).error).toEqual({ code: 'internal', message: 'Internal error' });
    } finally {
      temporal.state.failStart = undefined;
    }
    const logged = h.logs.map((line) => JSON.parse(line)).find((line) => line.message === 'Unhandled error');
    expect(logged.error).toMatchObject({ name: 'ServiceError', message: 'Failed to start Workflow' });
    expect(logged.error.causes).toEqual([
      { name: 'Error', message: '8 namespace rate limit exceeded', grpcStatus: 'RESOURCE_EXHAUSTED', grpcCode: 8, details: 'namespace rate limit exceeded' },
    ]);
    const everything = h.logs.join('\n');
    expect(everything).not.toContain(GOOD_KEY);
    expect(everything).not.toContain('@example.com');
  });
});
