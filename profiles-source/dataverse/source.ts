import { z } from 'zod';
import {
  segmentNotFound,
  type FetchProfilesOptions,
  type MembersPage,
  type ProfileSource,
  type SegmentList,
  type SourceField,
  type SourceProfile,
} from '../source';
import { BriefCache, untilAborted } from './brief-cache';
import { MAX_PAGE_SIZE, type DataverseClient, type ODataPage } from './client';
import { ColumnNames, CUSTOMER_ID_COLUMN } from './columns';
import { DataverseError } from './errors';
import { isMemberRow, MEMBERSHIPS_TABLE, membershipFilter, odataString, SEGMENTS_COLUMN, segmentNames, unescapedMembershipFilter } from './memberships';

export { MEMBERSHIPS_TABLE, membershipFilter, odataString, SEGMENTS_COLUMN } from './memberships';

/** Unified profiles, keyed by `msdynci_customerid` (https://learn.microsoft.com/en-us/dynamics365/customer-insights/data/dv-odata). */
export const PROFILES_TABLE = 'msdynci_customerprofiles';

/** Ids per lookup: 50 `msdynci_customerid eq '…'` terms keep the URL around 3 KB, well under Dataverse's limit. */
export const LOOKUP_BATCH_SIZE = 50;

export interface DataverseSourceOptions {
  /** Membership pages `listSegments` reads at most (5,000 rows each) before giving up on counts; default 200. */
  listScanPages?: number;
  /** How long a segment listing is reused; default 30 s. */
  listCacheMs?: number;
  /** The clock of that; for tests. */
  now?: () => number;
}

const MemberRowSchema = z.object({ [CUSTOMER_ID_COLUMN]: z.string().min(1) });

/** Customer Insights – Data, read through the Dataverse Web API, as a profile source. */
export class DataverseProfileSource implements ProfileSource {
  readonly kind = 'dataverse' as const;
  private columns?: Promise<ColumnNames>;
  private readonly listScanPages: number;
  private readonly listing: BriefCache<SegmentList>;

  constructor(
    private readonly client: DataverseClient,
    options: DataverseSourceOptions = {},
  ) {
    this.listScanPages = options.listScanPages ?? 200;
    this.listing = new BriefCache(options.listCacheMs ?? 30_000, options.now);
  }

  /**
   * Dataverse has no table of segment definitions yet, so segments are the names found in the
   * membership rows, counted while scanning them. Past `listScanPages` pages the scan stops: the
   * names found so far are listed, without counts, as `truncated`. Callers meanwhile share one scan,
   * and its result is reused for `listCacheMs`: each scan costs up to `listScanPages` requests of the
   * app registration the workers use too, and Dataverse's service protection limits count them all.
   */
  async listSegments(signal?: AbortSignal): Promise<SegmentList> {
    return untilAborted(this.listing.get(() => this.scanSegments()), signal);
  }

  /** One caller's abort does not stop it: others may be waiting for it, and it is kept for the next. */
  private async scanSegments(): Promise<SegmentList> {
    const counts = new Map<string, number>();
    let page = await this.client.query(MEMBERSHIPS_TABLE, { select: [SEGMENTS_COLUMN] }, MAX_PAGE_SIZE);
    for (let pages = 1; ; pages++) {
      for (const row of page.value) for (const name of segmentNames(row)) counts.set(name, (counts.get(name) ?? 0) + 1);
      if (!page.nextLink || pages >= this.listScanPages) break;
      page = await this.client.next(page.nextLink, MEMBERSHIPS_TABLE, MAX_PAGE_SIZE);
    }
    const truncated = page.nextLink !== null;
    const segments = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([name, n]) => ({ id: name, name, profileCount: truncated ? null : n }));
    return { segments, truncated };
  }

  /**
   * The cursor is Dataverse's own `@odata.nextLink`; it must be one of this segment's pages. A page may
   * hold fewer members than `pageSize`, even none, as rows naming only a look-alike are left out.
   */
  async readMembers(segmentId: string, cursor: string | null, pageSize: number, signal?: AbortSignal): Promise<MembersPage> {
    if (cursor === null) {
      const filter = membershipFilter(segmentId);
      const page = await this.client.query(MEMBERSHIPS_TABLE, { select: [CUSTOMER_ID_COLUMN, SEGMENTS_COLUMN], filter }, pageSize, signal);
      const members = membersOf(page, segmentId);
      if (members.profileIds.length === 0 && !page.nextLink) throw segmentNotFound(segmentId, 'Customer Insights – Data (segments are named by their output name)');
      return members;
    }
    const { filter, select } = queryOf(cursor);
    if (filter !== membershipFilter(segmentId) && filter !== unescapedMembershipFilter(segmentId)) {
      throw new DataverseError('badCursor', `The cursor is not one of segment "${segmentId}"'s pages`);
    }
    const page = await this.client.next(cursor, MEMBERSHIPS_TABLE, pageSize, signal);
    // A cursor of before the exact check selects no segments to check (unescapedMembershipFilter): its rows read as they did then.
    return membersOf(page, select.includes(SEGMENTS_COLUMN) ? segmentId : null);
  }

  /** Looks ids up {@link LOOKUP_BATCH_SIZE} at a time, selecting only the columns of `fields`. */
  async fetchProfiles(ids: string[], options: FetchProfilesOptions = {}): Promise<SourceProfile[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const columns = await this.columnNames(options.signal);
    const select = options.fields && [CUSTOMER_ID_COLUMN, ...new Set(options.fields.flatMap((f) => columns.columnOf(f) ?? []))];
    const profiles: SourceProfile[] = [];
    for (let i = 0; i < unique.length; i += LOOKUP_BATCH_SIZE) {
      const filter = unique.slice(i, i + LOOKUP_BATCH_SIZE).map((id) => `${CUSTOMER_ID_COLUMN} eq ${odataString(id)}`).join(' or ');
      for await (const row of this.rows(PROFILES_TABLE, { select, filter }, options.signal)) {
        profiles.push({ id: memberId(row), attributes: columns.toAttributes(row) });
      }
    }
    return profiles;
  }

  /** The profile table's columns, from one row of it; counts are not available (null). */
  async listProfileFields(signal?: AbortSignal): Promise<SourceField[]> {
    return (await this.columnNames(signal)).attributes().map((name) => ({ name, profileCount: null }));
  }

  async close(): Promise<void> {
    this.client.close();
  }

  /** Read once per source: Dataverse shows every column of a row (null when empty) when nothing is selected. */
  private columnNames(signal?: AbortSignal): Promise<ColumnNames> {
    this.columns ??= this.client.query(PROFILES_TABLE, {}, 1, signal).then(
      (page) => new ColumnNames(Object.keys(page.value[0] ?? {})),
      (err: unknown) => {
        this.columns = undefined; // a failed read is not remembered
        throw err;
      },
    );
    return this.columns;
  }

  private async *rows(table: string, query: { select?: string[]; filter: string }, signal?: AbortSignal): AsyncIterable<Record<string, unknown>> {
    let page = await this.client.query(table, query, MAX_PAGE_SIZE, signal);
    yield* page.value;
    while (page.nextLink) {
      page = await this.client.next(page.nextLink, table, MAX_PAGE_SIZE, signal);
      yield* page.value;
    }
  }
}

/** The `$filter` and `$select` a cursor (an `@odata.nextLink`) repeats. */
function queryOf(link: string): { filter: string | null; select: string[] } {
  try {
    const params = new URL(link).searchParams;
    return { filter: params.get('$filter'), select: params.get('$select')?.split(',') ?? [] };
  } catch {
    return { filter: null, select: [] };
  }
}

/** The ids of a page's rows that list exactly `segmentId` (every row when null). */
function membersOf(page: ODataPage, segmentId: string | null): MembersPage {
  const rows = segmentId === null ? page.value : page.value.filter((row) => isMemberRow(row, segmentId));
  return { profileIds: rows.map((row) => memberId(row)), nextCursor: page.nextLink };
}

function memberId(row: Record<string, unknown>): string {
  const parsed = MemberRowSchema.safeParse(row);
  if (!parsed.success) throw new DataverseError('unavailable', `Dataverse answered a row without a ${CUSTOMER_ID_COLUMN}`);
  return parsed.data[CUSTOMER_ID_COLUMN];
}
