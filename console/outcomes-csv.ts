import type { CallApi } from './api-client';
import type { Outcome } from './pages/run';

const COLUMNS: (keyof Outcome)[] = ['profileId', 'email', 'status', 'reason', 'sentAs'];

/** RFC 4180, and no cell a spreadsheet would run as a formula (a leading =, +, -, @ is quoted with a '). */
function cell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Every outcome of the run with that status, page by page from the API, as CSV lines. */
export async function* outcomesCsv(api: CallApi, runId: string, status: 'rejected' | 'skipped'): AsyncGenerator<string> {
  yield `${COLUMNS.join(',')}\r\n`;
  let cursor: string | null = null;
  do {
    const query: string = `status=${status}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await api<{ outcomes: Outcome[]; nextCursor: string | null }>('GET', `/runs/${encodeURIComponent(runId)}/outcomes?${query}`);
    if (!page.ok) throw new Error(`GET outcomes answered ${page.status}`);
    yield page.body.outcomes.map((o) => `${COLUMNS.map((k) => cell(o[k])).join(',')}\r\n`).join('');
    cursor = page.body.nextCursor;
  } while (cursor);
}
