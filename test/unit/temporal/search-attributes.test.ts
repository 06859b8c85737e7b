import { SEARCH_ATTRIBUTE_NAMES } from '../../../domain/run-labels';
import {
  createSearchAttributeGuard,
  prepareSearchAttributes,
  refusedSearchAttribute,
  SearchAttributesMissingError,
} from '../../../temporal/search-attributes';
import { createFakeOperator, createRecordingLogger, grpcError } from './fake-operator';

const KEYWORD = 2;
const PERMISSION_DENIED = 7;
const UNAVAILABLE = 14;
const ALL = Object.fromEntries(SEARCH_ATTRIBUTE_NAMES.map((name) => [name, KEYWORD]));
const COMMAND =
  'temporal operator search-attribute create --namespace prod --name ExportName --name ConnectionId --name RunTrigger --name TriggeredBy --type Keyword';

describe('prepareSearchAttributes', () => {
  it('adds only the missing attributes, all as Keyword', async () => {
    const { connection, state } = createFakeOperator({ ExportId: KEYWORD, Other: 7 });
    expect(await prepareSearchAttributes(connection, 'prod')).toEqual({ state: 'ready', added: ['ExportName', 'ConnectionId', 'RunTrigger', 'TriggeredBy'] });
    expect(state.adds).toEqual([{ ExportName: KEYWORD, ConnectionId: KEYWORD, RunTrigger: KEYWORD, TriggeredBy: KEYWORD }]);
  });

  it('adds nothing when all are there', async () => {
    const { connection, state } = createFakeOperator({ ...ALL });
    expect(await prepareSearchAttributes(connection, 'prod')).toEqual({ state: 'ready' });
    expect(state.adds).toEqual([]);
  });

  it('says which are missing, why, and the command, when the server refuses to add them', async () => {
    const { connection, state } = createFakeOperator({ ExportId: KEYWORD });
    state.refuseAdding = grpcError(PERMISSION_DENIED, 'Request unauthorized.');
    expect(await prepareSearchAttributes(connection, 'prod')).toEqual({
      state: 'missing',
      missing: ['ExportName', 'ConnectionId', 'RunTrigger', 'TriggeredBy'],
      reason: 'PERMISSION_DENIED: Request unauthorized.',
      command: COMMAND,
    });
  });

  it('cannot say when Temporal is down or listing is refused', async () => {
    const { connection, state } = createFakeOperator();
    state.refuseListing = grpcError(UNAVAILABLE, 'No connection established');
    expect(await prepareSearchAttributes(connection, 'prod')).toEqual({ state: 'unknown', reason: 'UNAVAILABLE: No connection established' });
  });
});

describe('the search attribute guard', () => {
  function guardOver(present: Record<string, number>) {
    const fake = createFakeOperator(present);
    const { logger, lines } = createRecordingLogger();
    let clock = 0;
    const guard = createSearchAttributeGuard({ connection: fake.connection, namespace: 'prod', logger, now: () => clock });
    return { guard, ...fake, lines, advance: (ms: number) => (clock += ms) };
  }

  it('registers them on first use, says so, and asks no more', async () => {
    const { guard, state, lines } = guardOver({});
    await guard.require();
    await guard.state();
    expect(state.lists).toBe(1);
    expect(lines).toEqual([{ level: 'info', message: 'Registered the search attributes runs need', fields: { namespace: 'prod', added: SEARCH_ATTRIBUTE_NAMES } }]);
  });

  it('refuses runs with the missing names and the command, logs that once, and sees them once an operator adds them', async () => {
    const { guard, state, lines, advance } = guardOver({ ExportId: KEYWORD });
    state.refuseAdding = grpcError(PERMISSION_DENIED, 'Request unauthorized.');

    const refused = await guard.require().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(SearchAttributesMissingError);
    expect((refused as SearchAttributesMissingError).missing).toEqual(['ExportName', 'ConnectionId', 'RunTrigger', 'TriggeredBy']);
    expect((refused as Error).message).toContain('the Temporal namespace "prod" lacks the search attributes ExportName, ConnectionId, RunTrigger, TriggeredBy');
    expect((refused as Error).message).toContain(COMMAND);
    expect(lines).toEqual([
      {
        level: 'warn',
        message: 'Runs cannot start: search attributes are missing and could not be added',
        fields: { namespace: 'prod', missing: ['ExportName', 'ConnectionId', 'RunTrigger', 'TriggeredBy'], reason: 'PERMISSION_DENIED: Request unauthorized.', command: COMMAND },
      },
    ]);

    // Within the cache, no new question; after it, asked again: still missing, not logged again.
    await expect(guard.require()).rejects.toThrow(SearchAttributesMissingError);
    expect(state.lists).toBe(1);
    advance(10_000);
    await expect(guard.require()).rejects.toThrow(SearchAttributesMissingError);
    expect(state.lists).toBe(2);
    expect(lines).toHaveLength(1);

    Object.assign(state.present, ALL);
    advance(10_000);
    await expect(guard.require()).resolves.toBeUndefined();
    expect(lines[1]).toEqual({ level: 'info', message: 'The search attributes runs need are there now', fields: { namespace: 'prod' } });
  });

  it('lets runs start while Temporal cannot be asked', async () => {
    const { guard, state } = guardOver({});
    state.refuseListing = grpcError(UNAVAILABLE, 'No connection established');
    await expect(guard.require()).resolves.toBeUndefined();
    expect(await guard.state()).toMatchObject({ state: 'unknown' });
  });

  it('after a start refused over an attribute it could not list, names that one', async () => {
    const { guard, state } = guardOver({});
    state.refuseListing = grpcError(PERMISSION_DENIED, 'Request unauthorized.');
    await expect(guard.recheck('ExportId')).rejects.toMatchObject({ missing: ['ExportId'] });
  });

  it('after a start refused over an attribute removed since, registers it again', async () => {
    const { guard, state } = guardOver({ ...ALL });
    await guard.require();
    delete state.present.ExportId;
    await expect(guard.recheck('ExportId')).resolves.toBeUndefined();
    expect(state.adds).toEqual([{ ExportId: KEYWORD }]);
  });

  it('asks once for concurrent callers', async () => {
    const { guard, state } = guardOver({});
    await Promise.all([guard.state(), guard.state(), guard.require()]);
    expect(state.lists).toBe(1);
  });
});

describe('refusedSearchAttribute', () => {
  const startFailed = (cause: Error) => Object.assign(new Error('Failed to start Workflow'), { name: 'ServiceError', cause });

  it('finds the attribute a start was refused over, through the SDK wrapper', () => {
    expect(refusedSearchAttribute(startFailed(grpcError(3, 'Namespace default has no mapping defined for search attribute ExportId')))).toBe('ExportId');
  });

  it('ignores other refusals', () => {
    expect(refusedSearchAttribute(startFailed(grpcError(3, 'WorkflowId is not set on request.')))).toBeUndefined();
    expect(refusedSearchAttribute(startFailed(grpcError(UNAVAILABLE, 'search attribute ExportId is not defined')))).toBeUndefined();
  });
});
