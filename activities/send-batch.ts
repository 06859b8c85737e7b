import { AutopilotError, type AutopilotClient, type AutopilotContact } from '../autopilot';
import { RejectReason } from '../domain/export';
import type { ItemOutcome } from '../store/batches';
import { retryingTransient } from './retrying-transient';

export interface Outgoing {
  seq: number;
  contact: AutopilotContact;
}

/**
 * Upserts one batch. A contact Autopilot leaves out of its answer is rejected on its own; a
 * request Autopilot refuses as a whole is halved until the bad contacts stand alone, so one bad
 * record costs its own place and nothing else. Every other failure is thrown for Temporal to retry.
 */
export async function sendBatch(client: AutopilotClient, batch: Outgoing[], signal?: AbortSignal): Promise<ItemOutcome[]> {
  try {
    const { refused } = await retryingTransient(() => client.upsertContacts(batch.map((o) => o.contact), signal), signal);
    const refusedSet = new Set(refused);
    return batch.map((o, i) =>
      refusedSet.has(i) ? { seq: o.seq, status: 'rejected', reason: RejectReason.REFUSED } : { seq: o.seq, status: 'exported' },
    );
  } catch (err) {
    if (!(err instanceof AutopilotError && err.kind === 'rejected')) throw err;
    if (batch.length === 1) return [{ seq: batch[0].seq, status: 'rejected', reason: RejectReason.BATCH_REFUSED }];
    const half = Math.ceil(batch.length / 2);
    return [...(await sendBatch(client, batch.slice(0, half), signal)), ...(await sendBatch(client, batch.slice(half), signal))];
  }
}
