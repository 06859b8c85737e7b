import type { z } from '@hono/zod-openapi';
import type { ImportResultSchema } from '../api/contract/catalog';
import type { ConnectionSchema, ConnectionSummarySchema } from '../api/contract/connections';
import type { ExportSchema } from '../api/contract/exports';
import type { OutcomeSchema, RunSchema, RunStartedSchema, RunSummarySchema } from '../api/contract/runs';
import { isEnded } from '../domain/run-status';

/**
 * What the API answers, typed from its own contract (type-only imports: nothing of the API is
 * loaded at run time), so the command line cannot drift from the routes it calls.
 */
export type Connection = z.output<typeof ConnectionSchema> | z.output<typeof ConnectionSummarySchema>;
export type Export = z.output<typeof ExportSchema>;
export type RunSummary = z.output<typeof RunSummarySchema>;
export type Run = z.output<typeof RunSchema>;
export type RunStarted = z.output<typeof RunStartedSchema>;
export type Outcome = z.output<typeof OutcomeSchema>;
export type ImportResult = z.output<typeof ImportResultSchema>;
export type RunCounts = Run['counts'];

/** POST /runs/{runId}/cancel (and pause and resume, which answer in the same shape). */
export interface RunActionResult {
  runId: string;
  status: string;
  /** approve-removals: the admin the approval is attributed to. */
  approvedBy?: string;
}
export type RunAction = 'pause' | 'resume' | 'cancel' | 'approve-removals';

/** Any status but the ended ones (running, and whatever the API adds, e.g. paused) is still going. */
export const hasEnded = (run: { status: string }) => isEnded(run.status);
