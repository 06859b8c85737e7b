import type { OperatorConnection } from '../../../temporal/search-attributes';

/** A gRPC error as the client raises it: a code, the server's details, metadata. */
export function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

/**
 * A namespace's custom search attributes behind a fake operator service. `refuseAdding`: the
 * error every add answers (a cluster that does not let the engine register them).
 */
export function createFakeOperator(present: Record<string, number> = {}) {
  const state = {
    present,
    refuseAdding: undefined as Error | undefined,
    refuseListing: undefined as Error | undefined,
    lists: 0,
    adds: [] as Record<string, number>[],
  };
  const connection: OperatorConnection = {
    operatorService: {
      async listSearchAttributes() {
        state.lists++;
        if (state.refuseListing) throw state.refuseListing;
        return { customAttributes: { ...state.present } };
      },
      async addSearchAttributes({ searchAttributes }) {
        state.adds.push(searchAttributes);
        if (state.refuseAdding) throw state.refuseAdding;
        Object.assign(state.present, searchAttributes);
        return {};
      },
    },
    withDeadline: (_deadline, fn) => fn(),
  };
  return { connection, state };
}

/** Every line a logger was given, as `level message` plus its fields. */
export function createRecordingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { logger: { info: log('info'), warn: log('warn'), error: log('error') }, lines };
}
