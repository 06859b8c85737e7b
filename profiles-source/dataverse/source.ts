import { z } from 'zod';
import {
  segmentNotFound,
  type FetchProfilesOptions,
  type MembersPage,
  type ProfileSource,
  type SourceField,
  type SourceProfile,
  type SourceSegment,
} from '../source';
import { MAX_PAGE_SIZE, type DataverseClient, type ODataPage } from './client';
import { ColumnNames, CUSTOMER_ID_COLUMN } from './columns';
import { DataverseError } from './errors';

/**
 * The tables Customer Insights – Data writes to Dataverse, and how they are queried
 * (https://learn.microsoft.com/en-us/dynamics365/customer-insights/data/dv-odata): unified profiles
 * keyed by `msdynci_customerid`, and one membership row per customer whose `msdynci_segments` holds
 * the output names of its segments, found with `contains(msdynci_segments,'"<name>"')`.
 */
export const PROFILES_TABLE = 'msdynci_customerprofiles';
export const MEMBERSHIPS_TABLE = 'msdynci_segmentmemberships';
export const SEGMENTS_COLUMN = 'msdynci_segments';

/** Ids per lookup: 50 `msdynci_customerid eq '…'` terms keep the URL around 3 KB, well under Dataverse's limit. */
export const LOOKUP_BATCH_SIZE = 50;

export interface DataverseSourceOptions {
  /** Membership pages `listSegments` reads at most (5,000 rows each) before giving up on counts; default 200. */
  listScanPages?: number;
}

const MemberRowSchema = z.object({ [CUSTOMER_ID_COLUMN]: z.string().min(1) });
const SegmentsRowSchema = z.object({ [SEGMENTS_COLUMN]: z.string().nullish() });

/** Customer Insights – Data, read through the Dataverse Web API, as a profile source. */
export class DataverseProfileSource implements ProfileSource {
  readonly kind = 'dataverse' as const;
  private columns?: Promise<ColumnNames>;
  private readonly listScanPages: number;

  constructor(
    private readonly client: DataverseClient,
    options: DataverseSourceOptions = {},
  ) {
    this.listScanPages = options.listScanPages ?? 200;
  }

  /**
   * Dataverse has no table of segment definitions yet, so segments are the names found in the
   * membership rows, counted while scanning them. Past `listScanPages` pages the scan stops and
   * counts are null (the names found so far are listed).
   */
  async listSegments(signal?: AbortSignal): Promise<SourceSegment[]> {
    const counts = new Map<string, number>();
    let page = await this.client.query(MEMBERSHIPS_TABLE, { select: [SEGMENTS_COLUMN] }, MAX_PAGE_SIZE, signal);
    let pages = 1;
    for (;;) {
      for (const row of page.value) for (const name of segmentNames(row)) counts.set(name, (counts.get(name) ?? 0) + 1);
      if (!page.nextLink || pages >= this.listScanPages) break;
      page = await this.client.next(page.nextLink, MEMBERSHIPS_TABLE, MAX_PAGE_SIZE, signal);
      pages++;
    }
    const complete = page.nextLink === null;
    return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([name, n]) => ({ id: name, name, profileCount: complete ? n : null }));
  }

  /** The cursor is Dataverse's own `@odata.nextLink`; it must be one of this segment's pages. */
  async readMembers(segmentId: string, cursor: string | null, pageSize: number, signal?: AbortSignal): Promise<MembersPage> {
    const filter = membershipFilter(segmentId);
    let page: ODataPage;
    if (cursor === null) {
      page = await this.client.query(MEMBERSHIPS_TABLE, { select: [CUSTOMER_ID_COLUMN], filter }, pageSize, signal);
      if (page.value.length === 0 && !page.nextLink) throw segmentNotFound(segmentId, 'Customer Insights – Data (segments are named by their output name)');
    } else {
      if (filterOf(cursor) !== filter) throw new DataverseError('badCursor', `The cursor is not one of segment "${segmentId}"'s pages`);
      page = await this.client.next(cursor, MEMBERSHIPS_TABLE, pageSize, signal);
    }
    return { profileIds: page.value.map((row) => memberId(row)), nextCursor: page.nextLink };
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

/** The documented membership query of one segment, by its output name. */
export function membershipFilter(segmentId: string): string {
  return `contains(${SEGMENTS_COLUMN},${odataString(JSON.stringify(segmentId))})`;
}

/** An OData string literal: single quotes, a quote inside doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function filterOf(link: string): string | null {
  try {
    return new URL(link).searchParams.get('$filter');
  } catch {
    return null;
  }
}

function memberId(row: Record<string, unknown>): string {
  const parsed = MemberRowSchema.safeParse(row);
  if (!parsed.success) throw new DataverseError('unavailable', `Dataverse answered a row without a ${CUSTOMER_ID_COLUMN}`);
  return parsed.data[CUSTOMER_ID_COLUMN];
}

/** `msdynci_segments` holds a JSON array of output names; anything else is read as quoted names. */
function segmentNames(row: Record<string, unknown>): string[] {
  const parsed = SegmentsRowSchema.safeParse(row);
  const text = parsed.success ? parsed.data[SEGMENTS_COLUMN] : undefined;
  if (!text) return [];
  try {
    const names: unknown = JSON.parse(text);
    if (Array.isArray(names)) return [...new Set(names.filter((n): n is string => typeof n === 'string' && n !== ''))];
  } catch {
    // fall through to the quoted names
  }
  return [...new Set([...text.matchAll(/"([^"]+)"/g)].map((m) => m[1]))];
}
