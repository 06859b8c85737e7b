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

/**
 * The CSV as a response body, its first page read before the answer starts, so a run the API
 * refuses is an error page rather than an empty file. A page that fails later errors the body: the
 * connection is cut and the browser reports the download failed, where ending it cleanly would
 * leave a file that looks whole and is not.
 */
export async function csvBody(lines: AsyncGenerator<string>): Promise<ReadableStream<Uint8Array>> {
  const head: string[] = [];
  for (let i = 0; i < 2; i++) {
    const next = await lines.next();
    if (next.done) break;
    head.push(next.value);
  }
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start: (controller) => controller.enqueue(encoder.encode(head.join(''))),
    async pull(controller) {
      const next = await lines.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    cancel: async () => void (await lines.return(undefined)),
  });
}
