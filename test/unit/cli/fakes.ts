import type { ApiClient } from '../../../cli/api-client';
import type { Io } from '../../../cli/io';
import type { Run } from '../../../cli/types';

/** Output captured as text; not a terminal, so the command line prints plain lines. */
export function fakeIo(env: Record<string, string | undefined> = { SEGMENT_EXPORT_TOKEN: 'secret-token-0123' }) {
  const out: string[] = [];
  const err: string[] = [];
  const controller = new AbortController();
  const io: Io = {
    stdout: { write: (t: string) => out.push(t), isTTY: false },
    stderr: { write: (t: string) => err.push(t), isTTY: false },
    env,
    interrupts: () => ({ signal: controller.signal, dispose: () => undefined }),
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join(''), interrupt: () => controller.abort() };
}

/** A client whose every call fails unless a test gives it an answer. */
export function fakeClient(overrides: Partial<ApiClient> = {}): ApiClient {
  const unexpected = (name: string) => () => Promise.reject(new Error(`unexpected call: ${name}`));
  return {
    listConnections: unexpected('listConnections'),
    listExports: unexpected('listExports'),
    listRuns: unexpected('listRuns'),
    startRun: unexpected('startRun'),
    redriveRun: unexpected('redriveRun'),
    getRun: unexpected('getRun'),
    runAction: unexpected('runAction'),
    outcomesPage: unexpected('outcomesPage'),
    importProfiles: unexpected('importProfiles'),
    ...overrides,
  };
}

/** A run as GET /runs/{runId} answers it, with the fields the command line reads (the API may add more). */
export function aRun(overrides: Partial<Run> = {}): Run {
  return {
    id: 'run-1',
    exportId: 'exp-1',
    status: 'running',
    trigger: 'manual',
    triggeredBy: 'admin',
    startedAt: '2025-01-31T09:30:00.000Z',
    finishedAt: null,
    totalProfiles: 1000,
    counts: { total: 1000, exported: 400, pending: 500, skipped: { 'no email': 60 }, rejected: { 'invalid email': 40 } },
    error: null,
    phase: 'exporting',
    percent: 50,
    throughput: 12.5,
    etaSeconds: 40,
    links: { self: '/runs/run-1', outcomes: '/runs/run-1/outcomes', export: '/exports/exp-1' },
    ...overrides,
  } as Run;
}

export function completed(overrides: Partial<Run> = {}): Run {
  return aRun({
    status: 'completed',
    phase: null,
    finishedAt: '2025-01-31T09:31:00.000Z',
    counts: { total: 1000, exported: 900, pending: 0, skipped: { 'no email': 60 }, rejected: { 'invalid email': 40 } },
    percent: 100,
    etaSeconds: null,
    ...overrides,
  });
}
