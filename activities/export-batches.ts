import { ApplicationFailure } from '@temporalio/common';
import type { Destination } from '../destinations';
import { ErrorType } from '../domain/errors';
import { readBatches, recordSentBatch, type BatchItem, type ItemOutcome } from '../store/batches';
import type { Db } from '../store/db';

export interface ExportBatchInput {
  runId: string;
  connectionId: string;
  /** The first batch; `batchCount` batches from there are sent one after the other (default 1). */
  batchNo: number;
  batchCount?: number;
  /** Segment id → the destination's place for it (a list, a tag…). */
  places: Record<string, string>;
}

export interface BatchResult {
  exported: number;
  rejected: number;
}

/**
 * Sends batches one after the other, recording each one's outcomes before the next, so a retry
 * (after a crash) sends again only what is still pending: at most the batch that was in flight.
 * A request once started is finished and recorded, even when the run is being cancelled, so what
 * the run reports is what the destination received.
 */
export async function exportBatches(db: Db, destination: Destination, input: ExportBatchInput, signal: AbortSignal): Promise<BatchResult> {
  const result = { exported: 0, rejected: 0 };
  const tally = ({ status }: { status: string }) => {
    if (status === 'exported' || status === 'rejected') result[status]++;
  };
  for (let batchNo = input.batchNo; batchNo < input.batchNo + (input.batchCount ?? 1); batchNo++) {
    signal.throwIfAborted();
    // Read just before its turn, one batch at a time: the embedded store answers one query at a
    // time, and a long read there makes every other batch's turn late (and the schedule slip).
    const batch = await readBatches(db, input.runId, batchNo, 1);
    batch.forEach(tally);
    const pending = batch.filter((i) => i.status === 'pending');
    if (pending.length === 0) continue;
    const outcomes = await sendBatch(destination, pending, input.places);
    await recordSentBatch(db, input.runId, batchNo, outcomes, input.places);
    outcomes.forEach(tally);
  }
  return result;
}

/** One upsert of a batch's pending items: an outcome per item, with the destination's reason for each it refused. */
async function sendBatch(destination: Destination, items: BatchItem[], places: Record<string, string>): Promise<ItemOutcome[]> {
  const contacts = items.map((i) => ({ email: frozenEmail(i), fields: i.fields ?? {}, place: places[i.segmentId] }));
  // Not aborted midway: a request once started is finished, so its outcome can be recorded. The
  // adapter retries each of its requests on the spot (an upsert may be several: see its own notes).
  const results = await destination.upsert(contacts);
  return items.map((item, k) => {
    const r = results[k];
    return r.status === 'exported' ? { seq: item.seq, status: 'exported' } : { seq: item.seq, status: 'rejected', reason: r.reason };
  });
}

/** A run planned before profiles were frozen cannot be sent faithfully: it fails, clearly, and is simply run again. */
function frozenEmail(item: BatchItem): string {
  if (item.email !== null) return item.email;
  throw ApplicationFailure.nonRetryable('This run was planned by an earlier version of the engine; start a new run of the export', ErrorType.InvalidExportInput);
}
