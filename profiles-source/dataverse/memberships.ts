import { z } from 'zod';

/**
 * How Customer Insights – Data's membership table is queried and read
 * (https://learn.microsoft.com/en-us/dynamics365/customer-insights/data/dv-odata): one row per
 * customer whose `msdynci_segments` holds the output names of its segments, found with
 * `contains(msdynci_segments,'"<name>"')`.
 */
export const MEMBERSHIPS_TABLE = 'msdynci_segmentmemberships';
export const SEGMENTS_COLUMN = 'msdynci_segments';

const SegmentsRowSchema = z.object({ [SEGMENTS_COLUMN]: z.string().nullish() });

/**
 * The membership query of one segment. Dataverse runs `contains()` as SQL LIKE, ignoring case, so the
 * name's `%`, `_` and `[` are escaped (`[%]`, `[_]`, `[[]`); even then `VIP` finds `vip`'s rows too,
 * which is why {@link isMemberRow} checks each row for the exact name.
 */
export function membershipFilter(segmentId: string): string {
  return `contains(${SEGMENTS_COLUMN},${odataString(likeLiteral(JSON.stringify(segmentId)))})`;
}

/**
 * The filter of cursors handed out before names were escaped, kept in the history of runs that were
 * reading when the engine was upgraded: such a cursor still reads its next pages, as it did then.
 */
export function unescapedMembershipFilter(segmentId: string): string {
  return `contains(${SEGMENTS_COLUMN},${odataString(JSON.stringify(segmentId))})`;
}

/** Whether a membership row lists exactly `segmentId`: same characters, same case. */
export function isMemberRow(row: Record<string, unknown>, segmentId: string): boolean {
  return segmentNames(row).includes(segmentId);
}

/** `msdynci_segments` holds a JSON array of output names; anything else is read as quoted names. */
export function segmentNames(row: Record<string, unknown>): string[] {
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

/** An OData string literal: single quotes, a quote inside doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Text LIKE reads as itself: its wildcards `%` and `_`, and `[`, each in brackets. */
export function likeLiteral(text: string): string {
  return text.replace(/[%_[]/g, (char) => `[${char}]`);
}
