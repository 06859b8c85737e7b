import { ApplicationFailure } from '@temporalio/common';
import { Context, sleep } from '@temporalio/activity';
import { AutopilotClient, AutopilotError } from '../autopilot';
import { ErrorType } from '../domain/errors';
import type { ConnectionStore } from '../store/connections';
import type { Db } from '../store/db';
import { OutboundRefusedError, type OutboundPolicy } from '../outbound/policy';
import { waitForTurn } from '../store/pacing';
import * as batches from '../store/batches';
import { removeMemberships, type RemovalResult, type RemoveMembershipsInput } from './remove-memberships';
import { retryingTransient } from './retrying-transient';
import { sendBatch } from './send-batch';
import { toApplicationFailure } from './to-application-failure';
import { toContact } from './to-contact';

export interface AutopilotActivityDeps {
  db: Db;
  connections: ConnectionStore;
  /** Used when a connection names no base URL of its own. */
  autopilotBaseUrl: string;
  autopilotTimeoutMs?: number;
  /** Where Autopilot calls may go. */
  outbound: OutboundPolicy;
}

export interface ExportBatchInput {
  runId: string;
  connectionId: string;
  /** The first batch; `batchCount` batches from there are sent one after the other (default 1). */
  batchNo: number;
  batchCount?: number;
  /** Segment id → Autopilot list id. */
  lists: Record<string, string>;
}

export interface BatchResult {
  exported: number;
  rejected: number;
}

/** Longer waits for a turn go back to Temporal, so that work waiting for the budget holds no worker slot. */
const MAX_TURN_WAIT_MS = 5_000;
/** Well inside the Autopilot activities' heartbeat timeout (5 s). */
const HEARTBEAT_MS = 1_000;

/**
 * The activities that call Autopilot, registered only on the rate-limited Autopilot task queue.
 * They load the API key by connection id and read what the run froze themselves, so workflow
 * history only ever holds ids, cursors and counts.
 */
export function createAutopilotActivities(deps: AutopilotActivityDeps) {
  const { db } = deps;
  const clients = new Map<string, { key: string; client: AutopilotClient }>();
  const agents = deps.outbound.agents();

  async function clientFor(connectionId: string): Promise<AutopilotClient> {
    const secret = await deps.connections.readApiKey(connectionId);
    if (!secret) throw ApplicationFailure.nonRetryable(`Connection ${connectionId} does not exist`, ErrorType.ConnectionNotFound);
    const baseUrl = secret.baseUrl ?? deps.autopilotBaseUrl;
    allowedOrFail(deps.outbound, baseUrl);
    const key = JSON.stringify([secret.apiKey, baseUrl, secret.requestsPerSecond]);
    const destination = deps.connections.destinationKey(secret.apiKey, baseUrl);
    const cached = clients.get(connectionId);
    if (cached?.key === key) return cached.client;
    cached?.client.close();
    const client = new AutopilotClient({
      baseUrl,
      apiKey: secret.apiKey,
      timeoutMs: deps.autopilotTimeoutMs,
      ...agents,
      beforeRequest: () => takeTurn(destination, secret.requestsPerSecond),
    });
    clients.set(connectionId, { key, client });
    return client;
  }

  /**
   * Waits for the destination's next turn in the schedule all workers share (see waitForTurn). A
   * caller that keeps losing it to others for MAX_TURN_WAIT_MS goes back to Temporal. The
   * activity's sleep ends early, failing, when the attempt is cancelled or timed out.
   */
  async function takeTurn(destination: string, requestsPerSecond: number): Promise<void> {
    const turn = await waitForTurn(db, destination, requestsPerSecond, { sleep, maxWaitMs: MAX_TURN_WAIT_MS });
    if (!turn.taken) {
      // Other runs hold the budget: retried later like a 429, as a throttled request is.
      throw new AutopilotError('rateLimited', 'The connection\'s Autopilot rate budget is taken by other runs for now', {
        retryAfterMs: MAX_TURN_WAIT_MS,
      });
    }
  }

  /**
   * Runs an activity that calls Autopilot, heartbeating from its first moment to its last (so a
   * killed worker's batches are taken up within seconds, and a timed-out or cancelled attempt
   * learns it and stops), and turns Autopilot errors into failures Temporal knows how to retry.
   */
  async function callingAutopilot<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const context = Context.current();
    context.heartbeat();
    const beat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
    try {
      return await fn(context.cancellationSignal);
    } catch (err) {
      // Whatever a cancelled attempt's request threw (axios' CanceledError, say), it was cancelled:
      // reported as such, the workflow sees a cancellation, not a failure.
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? err;
      throw toApplicationFailure(err);
    } finally {
      clearInterval(beat);
    }
  }

  return {
    /** Checks the key with one authenticated call; a rejected key fails without retries. */
    async validateConnection(input: { connectionId: string }): Promise<void> {
      const client = await clientFor(input.connectionId);
      await callingAutopilot((signal) => client.getAccount(signal));
    },

    /**
     * Finds the lists named after the segments, by segment, in one authenticated call: the run's
     * key check too (a rejected key fails without retries). Creates nothing.
     */
    async findLists(input: { connectionId: string; segmentIds: string[] }): Promise<Record<string, string>> {
      const client = await clientFor(input.connectionId);
      return callingAutopilot((signal) => retryingTransient(() => client.findLists(input.segmentIds, signal), signal));
    },

    /** Creates the lists named after the segments that findLists did not find (one found meanwhile is taken). */
    async createLists(input: { connectionId: string; segmentIds: string[] }): Promise<Record<string, string>> {
      const client = await clientFor(input.connectionId);
      return callingAutopilot((signal) => retryingTransient(() => client.createLists(input.segmentIds, signal), signal));
    },

    /** Makes sure an Autopilot list named after each segment exists (runs started before findLists). */
    async ensureLists(input: { connectionId: string; segmentIds: string[] }): Promise<Record<string, string>> {
      const client = await clientFor(input.connectionId);
      return callingAutopilot((signal) => retryingTransient(() => client.ensureLists(input.segmentIds, signal), signal));
    },

    /**
     * Sends batches one after the other, recording each one's outcomes before the next, so a retry
     * (after a crash) sends again only what is still pending: at most the batch that was in flight.
     */
    async exportBatch(input: ExportBatchInput): Promise<BatchResult> {
      const client = await clientFor(input.connectionId);
      return callingAutopilot(async (signal) => {
        const result = { exported: 0, rejected: 0 };
        const tally = ({ status }: { status: string }) => {
          if (status === 'exported' || status === 'rejected') result[status]++;
        };
        for (let batchNo = input.batchNo; batchNo < input.batchNo + (input.batchCount ?? 1); batchNo++) {
          signal.throwIfAborted();
          // Read just before its turn, one batch at a time: the embedded store answers one query at
          // a time, and a long read there makes every other batch's turn late (and the schedule slip).
          const batch = await batches.readBatches(db, input.runId, batchNo, 1);
          batch.forEach(tally);
          const pending = batch.filter((i) => i.status === 'pending');
          if (pending.length === 0) continue;
          const outgoing = pending.map((i) => ({ seq: i.seq, contact: toContact(frozenEmail(i), i.fields ?? {}, input.lists[i.segmentId]) }));
          // A request once started is finished and recorded, even when the run is being cancelled,
          // so what the run reports is what Autopilot received.
          const outcomes = await sendBatch(client, outgoing);
          await batches.recordSentBatch(db, input.runId, batchNo, outcomes, input.lists);
          outcomes.forEach(tally);
        }
        return result;
      });
    },

    /** Mirror mode: takes a slice of the run's planned removals off their lists (see removeMemberships). */
    async removeMemberships(input: RemoveMembershipsInput): Promise<RemovalResult> {
      const client = await clientFor(input.connectionId);
      return callingAutopilot((signal) => removeMemberships(db, client, input, signal));
    },
  };
}

export type AutopilotActivities = ReturnType<typeof createAutopilotActivities>;

/** A connection whose address the outbound rules refuse fails its run at once, saying why. */
function allowedOrFail(outbound: OutboundPolicy, baseUrl: string): void {
  try {
    outbound.check(baseUrl);
  } catch (err) {
    if (!(err instanceof OutboundRefusedError)) throw err;
    throw ApplicationFailure.nonRetryable(`The connection's Autopilot address ${err.message}`, ErrorType.OutboundRefused);
  }
}

/** A run planned before profiles were frozen cannot be sent faithfully: it fails, clearly, and is simply run again. */
function frozenEmail(item: batches.BatchItem): string {
  if (item.email !== null) return item.email;
  throw ApplicationFailure.nonRetryable('This run was planned by an earlier version of the engine; start a new run of the export', ErrorType.InvalidExportInput);
}
