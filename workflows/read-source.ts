import type { ExportSettings } from '../domain/export';

/**
 * Reads an external profile source's segments into the run's stage, page by page (filled in with
 * the Dataverse wiring). The built-in store needs no reading: the freeze reads it directly.
 */
export async function readSource(_runId: string, _settings: ExportSettings, _onPage?: (membersRead: number) => void): Promise<void> {
  throw new Error('Reading an external profile source is not wired yet');
}
