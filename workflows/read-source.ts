import { proxyActivities } from '@temporalio/workflow';
// Only the types: the activities themselves run outside the sandbox.
import type { ReadSourcePageResult, SourceActivities } from '../activities';
import type { ExportSettings, FieldMapping } from '../domain/export';

/**
 * One page per activity. The client inside waits out a `Retry-After` of up to 5 minutes (and heartbeats
 * meanwhile), so an attempt may take minutes; a killed worker stops heartbeating and its page is read
 * again elsewhere after 5 s. A longer `Retry-After` comes back as the retry's delay (nextRetryDelay).
 */
function sourceActivities(summary: string) {
  return proxyActivities<SourceActivities>({
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: '5 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
    scheduleToCloseTimeout: '1 hour',
    summary,
  });
}

/**
 * Reads an external profile source's segments into the run's stage, page by page, for the freeze
 * to read. The cursor of the next page lives here, in the workflow (each activity's result is in
 * history), so a worker killed while reading resumes from the last page read, not from the start.
 * History holds ids, cursors and counts only: the activity stages the members and profiles itself.
 * The built-in store needs no reading: the freeze reads it directly.
 */
export async function readSource(runId: string, settings: ExportSettings, onPage?: (membersRead: number) => void): Promise<void> {
  if (settings.source !== 'dataverse') return;
  const fields = mappedAttributes(settings.mapping);
  let membersRead = 0;
  for (const segmentId of new Set(settings.segmentIds)) {
    let cursor: string | null = null;
    for (let pageNo = 1; ; pageNo++) {
      const page: ReadSourcePageResult = await sourceActivities(`${segmentId}: page ${pageNo}`).readSourcePage({ runId, segmentId, cursor, fields });
      membersRead += page.members;
      onPage?.(membersRead);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
  }
}

/** The profile attributes an export's mapping reads, email first, each once. */
export function mappedAttributes(mapping: FieldMapping): string[] {
  const named = [mapping.email, mapping.firstName, mapping.lastName, ...Object.values(mapping.fields ?? {})];
  return [...new Set(named.filter((a): a is string => a !== undefined))];
}
