import { defineQuery, defineUpdate } from '@temporalio/workflow';

export const BLOCKED_ON_KEY = 'blocked: Autopilot rejected the API key';
export type RunPhase = 'validating' | 'planning' | 'preparing lists' | 'exporting' | 'paused' | typeof BLOCKED_ON_KEY | 'finishing';

export interface PauseState {
  by: string;
  /** ISO timestamp. */
  since: string;
}

export interface RunProgress {
  phase: RunPhase;
  totalProfiles?: number;
  batches?: number;
  batchesDone: number;
  exportedItems: number;
  rejectedItems: number;
  /** Deliveries the run will send, when planned. */
  contacts?: number;
  paused?: PauseState;
}

export const progressQuery = defineQuery<RunProgress>('progress');
/** Holds the run between batches; resolves once nothing is in flight any more. */
export const pauseUpdate = defineUpdate<PauseState, [{ by: string }]>('pause');
export const resumeUpdate = defineUpdate<{ resumed: true }, [{ by: string }]>('resume');
