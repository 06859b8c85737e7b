import { log } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { ErrorType } from '../domain/errors';
import { ProfileSourceError, type ProfileSource } from '../profiles-source';
import type { Db } from '../store/db';
import { analyzeStage, stagePage, unstagedProfileIds } from '../store/source-stage';
import { whileHeartbeating } from './heartbeating';

/** Members per page: Dataverse's largest page, so 100,000 members are 20 pages. */
export const SOURCE_PAGE_SIZE = 5_000;
/**
 * A page is one membership request and up to 100 profile lookups, and the client may wait out a
 * `Retry-After` of minutes in between: heartbeats go out on a timer, so a live worker is never
 * taken for a dead one while it waits, and a killed one is noticed within the heartbeat timeout.
 */

export interface ReadSourcePageInput {
  runId: string;
  segmentId: string;
  /** Where to read from: null for the first page, else the previous page's `nextCursor`. */
  cursor: string | null;
  /** The attributes the export maps (email included), named as its mapping names them. */
  fields: string[];
}

/** Counts and the cursor only: what the workflow keeps in its history. */
export interface ReadSourcePageResult {
  /** Members on this page. */
  members: number;
  /** Profiles whose attributes this page fetched (members not staged before by another segment or attempt). */
  fetched: number;
  nextCursor: string | null;
}

export interface SourceActivityDeps {
  db: Db;
  /** The worker's one source: its token and its Retry-After hold are shared by every page it reads. */
  source: ProfileSource;
}

/** Reading an external profile source into a run's stage; registered on the main task queue. */
export function createSourceActivities(deps: SourceActivityDeps) {
  const { db, source } = deps;
  return {
    /**
     * Reads one page of a segment's members, fetches the attributes of those not staged yet and
     * stages both. Idempotent: a retried page stages nothing twice.
     */
    async readSourcePage(input: ReadSourcePageInput): Promise<ReadSourcePageResult> {
      if (source.kind !== 'dataverse') {
        throw ApplicationFailure.nonRetryable(
          'The run reads Customer Insights – Data, but this worker reads the built-in store: set PROFILE_SOURCE=dataverse (and DATAVERSE_*) on the workers',
          ErrorType.ProfileSource,
        );
      }
      return whileHeartbeating(async (signal) => {
        try {
          const page = await source.readMembers(input.segmentId, input.cursor, SOURCE_PAGE_SIZE, signal);
          const missing = await unstagedProfileIds(db, input.runId, page.profileIds);
          const found = await source.fetchProfiles(missing, { fields: input.fields, signal });
          const staged = found.map((p) => ({ id: p.id, attributes: asMapped(p.attributes, input.fields) }));
          await stagePage(db, input.runId, input.segmentId, page.profileIds, staged);
          // A segment read to its end: the freeze may come next, and must see the stage's real size.
          if (page.nextCursor === null) await analyzeStage(db);
          const result = { members: page.profileIds.length, fetched: found.length, nextCursor: page.nextCursor };
          log.info('Source page staged', { runId: input.runId, segmentId: input.segmentId, members: result.members, fetched: result.fetched, last: !page.nextCursor });
          return result;
        } catch (err) {
          throw toSourceFailure(err);
        }
      });
    },
  };
}

export type SourceActivities = ReturnType<typeof createSourceActivities>;

/**
 * The attributes a source returned, keyed by the names the mapping uses: the freeze looks them up
 * by those names, and Dataverse matches an attribute to its column ignoring case
 * (`EmailAddress` → `emailaddress`).
 */
export function asMapped(attributes: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const byLowerName = new Map(Object.keys(attributes).map((k) => [k.toLowerCase(), k]));
  const mapped: Record<string, unknown> = {};
  for (const field of new Set(fields)) {
    const key = Object.hasOwn(attributes, field) ? field : byLowerName.get(field.toLowerCase());
    if (key !== undefined) mapped[field] = attributes[key];
  }
  return mapped;
}

/**
 * The one place that decides whether a source failure is worth retrying. A configuration problem
 * (tenant, client, secret, permission, unknown segment) fails the run at once with what to fix; a
 * `Retry-After` becomes the next attempt's delay; anything else retryable backs off. Messages name
 * no secret (see ProfileSourceError).
 */
export function toSourceFailure(err: unknown): unknown {
  if (!(err instanceof ProfileSourceError)) return err;
  if (!err.retryable) return ApplicationFailure.nonRetryable(`Customer Insights – Data: ${err.message}`, ErrorType.ProfileSource);
  if (err.retryAfterMs !== undefined) {
    return ApplicationFailure.create({
      message: err.message,
      type: ErrorType.ProfileSource,
      nextRetryDelay: Math.max(err.retryAfterMs, 1),
      // Throttling is expected and waited out: not an error worth reporting as one.
      category: err.kind === 'rateLimited' ? ApplicationFailureCategory.BENIGN : undefined,
    });
  }
  return ApplicationFailure.retryable(err.message, ErrorType.ProfileSource);
}
