import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { RemovalGateList } from '../domain/export';

export type { RemovalGateList } from '../domain/export';

export const BLOCKED_ON_KEY = 'blocked: the destination refused the API key';
/** A mirror-mode run that would take more than its export's share off a list waits for an admin. */
export const NEEDS_APPROVAL = 'blocked: needs approval';
export type RunPhase =
  | 'validating'
  | 'planning'
  | 'preparing lists'
  | 'exporting'
  | 'removing'
  | 'paused'
  | typeof BLOCKED_ON_KEY
  | `${typeof NEEDS_APPROVAL} (${string})`
  | 'finishing';


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
  /** Memberships the run takes off lists (mirror mode), and how many are done. */
  removals?: number;
  removalsDone?: number;
  /** While the run waits for approval of its removals: the lists over the export's share. */
  awaitingApproval?: RemovalGateList[];
}

export const progressQuery = defineQuery<RunProgress>('progress');
/** Holds the run between batches; resolves once nothing is in flight any more. */
export const pauseUpdate = defineUpdate<PauseState, [{ by: string }]>('pause');
export const resumeUpdate = defineUpdate<{ resumed: true }, [{ by: string }]>('resume');
/** Lets a run waiting with {@link NEEDS_APPROVAL} remove what it planned to. */
export const approveRemovalsUpdate = defineUpdate<{ approved: true }, [{ by: string }]>('approveRemovals');

/** `blocked: needs approval (120 removals from VIP, 40 from Newsletter)`: what the UI and API show. */
export function needsApprovalPhase(lists: RemovalGateList[]): RunPhase {
  const parts = lists.map((l, i) => `${l.removals} ${i === 0 ? 'removals ' : ''}from ${l.segmentId}`);
  return `${NEEDS_APPROVAL} (${parts.join(', ')})` as const;
}
