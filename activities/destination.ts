import { ApplicationFailure } from '@temporalio/common';
import { sleep } from '@temporalio/activity';
import { baseUrlOf, destinationKind, DestinationError, type Destination, type DestinationAccount, type DestinationKind, type DestinationType } from '../destinations';
import { ErrorType } from '../domain/errors';
import type { ConnectionStore } from '../store/connections';
import type { Db } from '../store/db';
import { OutboundRefusedError, type OutboundPolicy } from '../outbound/policy';
import { turnTaker } from '../store/pacing-in-process';
import { exportBatches, type BatchResult, type ExportBatchInput } from './export-batches';
import { whileHeartbeating } from './heartbeating';
import { removeMemberships, type RemovalResult, type RemoveMembershipsInput } from './remove-memberships';
import { retryingTransient } from '../destinations/retrying-transient';
import { toApplicationFailure } from './to-application-failure';

export interface DestinationActivityDeps {
  db: Db;
  connections: ConnectionStore;
  /** Per platform, where connections that name no base URL of their own send (else the platform's default). */
  baseUrls?: Partial<Record<DestinationType, string>>;
  timeoutMs?: number;
  /** Where destination calls may go. */
  outbound: OutboundPolicy;
  /** The platform behind each connection type: the engine's own (destinations/index.ts) unless a test brings another. */
  kinds?: (type: DestinationType) => DestinationKind;
}

/** Which connection, and which of its segments' places: what the place activities need. */
export interface PlacesInput {
  connectionId: string;
  segmentIds: string[];
}

/** Longer waits for a turn go back to Temporal, so that work waiting for the budget holds no worker slot. */
const MAX_TURN_WAIT_MS = 5_000;

/**
 * The activities that call a destination (through the destination port), registered only on the
 * destination task queue. They load the key by connection id and read what the run froze
 * themselves, so workflow history only ever holds ids, cursors and counts.
 */
export function createDestinationActivities(deps: DestinationActivityDeps) {
  const opened = new Map<string, { key: string; destination: Destination }>();
  const agents = deps.outbound.agents();
  const waitForTurn = turnTaker(deps.db);

  async function destinationFor(connectionId: string): Promise<Destination> {
    const secret = await deps.connections.readApiKey(connectionId);
    if (!secret) throw ApplicationFailure.nonRetryable(`Connection ${connectionId} does not exist`, ErrorType.ConnectionNotFound);
    const kind = (deps.kinds ?? destinationKind)(secret.type);
    const baseUrl = baseUrlOf(kind, secret, deps.baseUrls?.[secret.type]);
    allowedOrFail(deps.outbound, kind.label, baseUrl);
    const key = JSON.stringify([secret.type, secret.apiKey, baseUrl, secret.requestsPerSecond]);
    const cached = opened.get(connectionId);
    if (cached?.key === key) return cached.destination;
    cached?.destination.close();
    const budget = deps.connections.destinationKey(secret.type, secret.apiKey, baseUrl);
    const destination = kind.open({
      baseUrl,
      apiKey: secret.apiKey,
      timeoutMs: deps.timeoutMs,
      ...agents,
      beforeRequest: () => takeTurn(budget, secret.requestsPerSecond),
    });
    opened.set(connectionId, { key, destination });
    return destination;
  }

  /**
   * Waits for the key's next turn in the schedule all workers share (see waitForTurn). A caller
   * that keeps losing it to others for MAX_TURN_WAIT_MS goes back to Temporal. The activity's sleep
   * ends early, failing, when the attempt is cancelled or timed out.
   */
  async function takeTurn(budget: string, requestsPerSecond: number): Promise<void> {
    const turn = await waitForTurn(budget, requestsPerSecond, { sleep, maxWaitMs: MAX_TURN_WAIT_MS });
    if (!turn.taken) {
      // Other runs hold the budget: retried later like a 429, as a throttled request is.
      throw new DestinationError('rateLimited', "The connection's rate budget is taken by other runs for now", { retryAfterMs: MAX_TURN_WAIT_MS });
    }
  }

  /**
   * Runs an activity that calls the destination, heartbeating from its first moment to its last (so
   * a killed worker's batches are taken up within seconds, and a timed-out or cancelled attempt
   * learns it and stops), and turns the destination's errors into failures Temporal knows how to retry.
   */
  async function calling<T>(connectionId: string, fn: (destination: Destination, signal: AbortSignal) => Promise<T>): Promise<T> {
    return whileHeartbeating(async (signal) => {
      try {
        return await fn(await destinationFor(connectionId), signal);
      } catch (err) {
        // Whatever a cancelled attempt's request threw (axios' CanceledError, say), it was cancelled:
        // reported as such, the workflow sees a cancellation, not a failure.
        if (signal.aborted) throw signal.reason ?? err;
        throw toApplicationFailure(err);
      }
    });
  }

  return {
    /** Checks the key with one authenticated call that creates nothing; a refused key fails without retries. */
    async checkKey(input: { connectionId: string }): Promise<DestinationAccount> {
      return calling(input.connectionId, (d, signal) => retryingTransient(() => d.checkKey(signal), signal));
    },

    /** The places named after the segments that exist, by segment: the run's key check too. Creates nothing. */
    async findPlaces(input: PlacesInput): Promise<Record<string, string>> {
      return calling(input.connectionId, (d, signal) => retryingTransient(() => d.findPlaces(input.segmentIds, signal), signal));
    },

    /** Creates the places findPlaces did not find (one made meanwhile is taken). */
    async createPlaces(input: PlacesInput): Promise<Record<string, string>> {
      return calling(input.connectionId, (d, signal) => retryingTransient(() => d.createPlaces(input.segmentIds, signal), signal));
    },

    /** Sends batches one after the other, each recorded before the next (see exportBatches). */
    async exportBatch(input: ExportBatchInput): Promise<BatchResult> {
      return calling(input.connectionId, (d, signal) => exportBatches(deps.db, d, input, signal));
    },

    /** Mirror mode: takes a slice of the run's planned removals off their places (see removeMemberships). */
    async removeMemberships(input: RemoveMembershipsInput): Promise<RemovalResult> {
      return calling(input.connectionId, (d, signal) => removeMemberships(deps.db, d, input, signal));
    },
  };
}

export type DestinationActivities = ReturnType<typeof createDestinationActivities>;

/** A connection whose address the outbound rules refuse fails its run at once, saying why. */
function allowedOrFail(outbound: OutboundPolicy, label: string, baseUrl: string): void {
  try {
    outbound.check(baseUrl);
  } catch (err) {
    if (!(err instanceof OutboundRefusedError)) throw err;
    throw ApplicationFailure.nonRetryable(`The connection's ${label} address ${err.message}`, ErrorType.OutboundRefused);
  }
}
