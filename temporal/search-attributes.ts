import { SEARCH_ATTRIBUTE_NAMES } from '../domain/run-labels';
import { describeGrpcError, grpcStatusOf } from './grpc-status';

/** IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD: every run attribute is a Keyword. */
const KEYWORD = 2;
/** One check may take this long: a health check and a run start wait for it. */
const CHECK_TIMEOUT_MS = 3_000;
/** Until all are there, an answer stands this long before the server is asked again. */
const RECHECK_AFTER_MS = 10_000;
/** Temporal is down or slow: nothing can be said about its attributes. */
const DOWN = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED']);

/** The little of a connection this needs: the client's Connection and the worker's NativeConnection both fit. */
export interface OperatorConnection {
  operatorService: {
    listSearchAttributes(request: { namespace: string }): Promise<{ customAttributes?: Record<string, number> | null }>;
    addSearchAttributes(request: { namespace: string; searchAttributes: Record<string, number> }): Promise<unknown>;
  };
  withDeadline<R>(deadline: number, fn: () => Promise<R>): Promise<R>;
}

export type SearchAttributeState =
  /** All there; `added`: those this check registered. */
  | { state: 'ready'; added?: string[] }
  /** Not there, and the server did not let the engine add them (`reason`: its answer). */
  | { state: 'missing'; missing: string[]; reason: string; command: string }
  /** The server could not be asked (down, or listing refused): runs start and the server decides. */
  | { state: 'unknown'; reason: string };

/** The one command that adds them, as an operator would type it. */
export function createAttributesCommand(namespace: string, names: string[]): string {
  return `temporal operator search-attribute create --namespace ${namespace} ${names.map((n) => `--name ${n}`).join(' ')} --type Keyword`;
}

/** Runs cannot start: the namespace lacks attributes every run is labelled with. */
export class SearchAttributesMissingError extends Error {
  override readonly name = 'SearchAttributesMissingError';
  readonly command: string;

  constructor(
    readonly namespace: string,
    readonly missing: string[],
  ) {
    const command = createAttributesCommand(namespace, missing);
    super(
      `Runs cannot start: the Temporal namespace "${namespace}" lacks the search attributes ${missing.join(', ')} ` +
        `and the engine was not allowed to add them. Add them once with: ${command}`,
    );
    this.command = command;
  }
}

/**
 * Lists the namespace's custom search attributes and adds those the runs need that are missing.
 * Never throws: a server that refuses (Temporal Cloud, a key without the operator role) or is
 * down is an answer too. A real cluster may take a moment before attributes just added are usable.
 */
export async function prepareSearchAttributes(connection: OperatorConnection, namespace: string): Promise<SearchAttributeState> {
  const ask = <R>(call: () => Promise<R>) => connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, call);
  const operator = connection.operatorService;
  // Twice at most: another process (the API beside a worker) may add the same ones meanwhile.
  for (let attempt = 1; ; attempt++) {
    let missing: string[];
    try {
      const { customAttributes } = await ask(() => operator.listSearchAttributes({ namespace }));
      missing = SEARCH_ATTRIBUTE_NAMES.filter((name) => customAttributes?.[name] === undefined);
    } catch (err) {
      return { state: 'unknown', reason: describeGrpcError(err) };
    }
    if (missing.length === 0) return { state: 'ready' };
    try {
      await ask(() => operator.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])) }));
      return { state: 'ready', added: missing };
    } catch (err) {
      const status = grpcStatusOf(err)?.status ?? '';
      if (status === 'ALREADY_EXISTS' && attempt < 2) continue;
      if (DOWN.has(status)) return { state: 'unknown', reason: describeGrpcError(err) };
      return { state: 'missing', missing, reason: describeGrpcError(err), command: createAttributesCommand(namespace, missing) };
    }
  }
}

/** The name of the attribute a start was refused over ("…has no mapping defined for search attribute ExportId"). */
export function refusedSearchAttribute(err: unknown): string | undefined {
  const grpc = grpcStatusOf(err);
  if (grpc?.status !== 'INVALID_ARGUMENT' || !/not defined|no mapping/i.test(grpc.details)) return undefined;
  return /search attribute "?(\w+)/i.exec(grpc.details)?.[1];
}

interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface SearchAttributeGuard {
  /** The namespace's attributes: once all are there, for good; until then asked again every few seconds. */
  state(): Promise<SearchAttributeState>;
  /** Throws {@link SearchAttributesMissingError} when they are known to be missing. */
  require(): Promise<void>;
  /**
   * After the server refused a start over `name` (removed since the check, or never listable):
   * asks again, and throws {@link SearchAttributesMissingError} unless they are there now.
   */
  recheck(name: string): Promise<void>;
}

/**
 * Prepares the namespace on its first use and keeps the answer, so that an operator who adds
 * the attributes later need not restart anything. Says what changed in the log, once.
 */
export function createSearchAttributeGuard(options: { connection: OperatorConnection; namespace: string; logger: Log; now?: () => number }): SearchAttributeGuard {
  const { connection, namespace, logger } = options;
  const now = options.now ?? Date.now;
  /** The last answer, and until when it stands: for good once all are there. */
  let known: { state: SearchAttributeState; until: number } | undefined;
  let asking: Promise<SearchAttributeState> | undefined;

  async function ask(): Promise<SearchAttributeState> {
    const state = await prepareSearchAttributes(connection, namespace);
    report(logger, namespace, state, known?.state);
    known = { state, until: state.state === 'ready' ? Infinity : now() + RECHECK_AFTER_MS };
    return state;
  }

  function state(): Promise<SearchAttributeState> {
    if (known && now() < known.until) return Promise.resolve(known.state);
    asking ??= ask().finally(() => (asking = undefined));
    return asking;
  }

  return {
    state,
    async require() {
      const current = await state();
      if (current.state === 'missing') throw new SearchAttributesMissingError(namespace, current.missing);
    },
    async recheck(name: string) {
      if (known) known.until = 0;
      const current = await state();
      if (current.state === 'missing') throw new SearchAttributesMissingError(namespace, current.missing);
      if (current.state === 'unknown') throw new SearchAttributesMissingError(namespace, [name]);
    },
  };
}

/** One line per change: what was added, or what is missing and the command that adds it. */
function report(logger: Log, namespace: string, state: SearchAttributeState, previous: SearchAttributeState | undefined): void {
  if (state.state === 'ready') {
    if (state.added) logger.info('Registered the search attributes runs need', { namespace, added: state.added });
    else if (previous && previous.state !== 'ready') logger.info('The search attributes runs need are there now', { namespace });
    return;
  }
  if (JSON.stringify(previous) === JSON.stringify(state)) return;
  if (state.state === 'missing') {
    const { missing, reason, command } = state;
    logger.warn('Runs cannot start: search attributes are missing and could not be added', { namespace, missing, reason, command });
  } else {
    logger.warn('Could not check the search attributes runs need; runs will start and Temporal will decide', { namespace, reason: state.reason });
  }
}
