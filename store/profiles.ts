import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Db } from './db';

export interface ImportOptions {
  /** Good lines written per transaction; also the most lines held in memory at once. */
  chunkSize?: number;
  /** How many error details to keep; every rejected line is still counted. */
  maxErrors?: number;
}

export interface ImportResult {
  /** Accepted lines (a repeated id counts each time), so imported + rejected = non-blank lines. */
  imported: number;
  rejected: number;
  errors: { line: number; message: string }[];
}

interface ProfileLine {
  id: string;
  /** `{"i": id, "a": attributes, "s": segments}`, serialised once: a chunk goes to SQL as one JSON array. */
  json: string;
}

export const MAX_ID_LENGTH = 200;

/** Longest line accepted, in characters; longer ones are rejected by number without being held. */
export const MAX_LINE_CHARS = 1024 * 1024;
/** Deepest nesting of objects and arrays accepted in a line. */
export const MAX_DEPTH = 32;
/** What readLines yields in place of a line over {@link MAX_LINE_CHARS}. */
export const LINE_TOO_LONG = Symbol('line too long');
export type Line = string | typeof LINE_TOO_LONG;

/** Any one import waits for the one before it: two never interleave their writes (or deadlock). */
const IMPORT_LOCK = 727_001;

/**
 * Imports NDJSON profile lines: good lines are staged chunk by chunk as they arrive, then applied
 * in one transaction, so an import is all its good lines or none (an upload cut short changes
 * nothing). Re-importing an id replaces its attributes and segment memberships; within one import
 * the last line for an id wins, so a re-run of the same file is a no-op.
 */
export async function importProfiles(db: Db, lines: AsyncIterable<Line>, options: ImportOptions = {}): Promise<ImportResult> {
  const chunkSize = options.chunkSize ?? 1000;
  const maxErrors = options.maxErrors ?? 20;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError('chunkSize must be a positive integer');
  const result: ImportResult = { imported: 0, rejected: 0, errors: [] };
  const importId = randomUUID();
  let chunk: string[] = [];
  let staged = 0;
  let lineNo = 0;
  try {
    await db.query("DELETE FROM import_staging WHERE created_at < now() - interval '1 day'"); // left by a crashed process
    for await (const line of lines) {
      lineNo++;
      if (line !== LINE_TOO_LONG && line.trim() === '') continue;
      const parsed = line === LINE_TOO_LONG ? `longer than ${MAX_LINE_CHARS} characters` : parseProfileLine(line);
      if (typeof parsed === 'string') {
        result.rejected++;
        if (result.errors.length < maxErrors) result.errors.push({ line: lineNo, message: `line ${lineNo}: ${parsed}` });
        continue;
      }
      chunk.push(parsed.json);
      result.imported++;
      if (chunk.length === chunkSize) {
        await stage(db, importId, staged, chunk);
        staged += chunk.length;
        chunk = [];
      }
    }
    if (chunk.length > 0) await stage(db, importId, staged, chunk);
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
      await tx.query(applyFrom(STAGED), [importId]);
    });
    return result;
  } finally {
    await db.query('DELETE FROM import_staging WHERE import_id = $1', [importId]).catch(() => undefined);
  }
}

async function stage(db: Db, importId: string, offset: number, lines: string[]): Promise<void> {
  await db.query(
    `INSERT INTO import_staging (import_id, seq, line)
     SELECT $1, $2 + n, r FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS t(r, n)`,
    [importId, offset, `[${lines.join(',')}]`],
  );
}

/** Returns the profile, or what is structurally wrong (never the line's content: it holds personal data). */
function parseProfileLine(line: string): ProfileLine | string {
  if (nestingDepth(line) > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not valid JSON'; // the parser's own message quotes the input
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be a JSON object';
  const { id, segments = [], ...attributes } = value as Record<string, unknown>;
  if (id === undefined) return '"id" is required';
  if (typeof id !== 'string') return '"id" must be a string';
  if (id.trim() === '' || id.length > MAX_ID_LENGTH) return `"id" must be non-blank and at most ${MAX_ID_LENGTH} characters`;
  if (!Array.isArray(segments) || !segments.every((s) => typeof s === 'string')) return '"segments" must be an array of strings';
  if (segments.some((s: string) => s.trim() === '')) return '"segments" must not contain empty names';
  const json = JSON.stringify({ i: id, a: attributes, s: [...new Set<string>(segments)] });
  // Postgres text and jsonb refuse NUL and unpaired surrogates; one bad line must not fail its whole chunk.
  if (UNSTORABLE_ESCAPE.test(json)) return 'contains a NUL character or an unpaired surrogate, which the store cannot hold';
  return { id, json };
}

/** The deepest nesting of objects and arrays in a JSON text, counted without parsing it. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') deepest = Math.max(deepest, ++depth);
    else if (ch === '}' || ch === ']') depth--;
  }
  return deepest;
}

// JSON.stringify writes NUL as \u0000 and lone surrogates as \udXXX; an even run of backslashes before is literal text.
const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** The staged lines of one import, the last line of each id winning. */
const STAGED = `SELECT DISTINCT ON (line->>'i') line->>'i' AS id, line->'a' AS attributes, line->'s' AS segments
  FROM import_staging WHERE import_id = $1 ORDER BY line->>'i', seq DESC`;

/**
 * One statement applies a whole input. The membership delete and insert touch disjoint rows (gone
 * vs. wanted), so they can share a statement; the foreign-key checks run at its end and see the
 * profiles upserted above.
 */
const applyFrom = (input: string) => `
WITH input AS MATERIALIZED (${input}), upserted AS (
  INSERT INTO profiles (id, attributes, updated_at) SELECT id, attributes, now() FROM input
  ON CONFLICT (id) DO UPDATE SET attributes = EXCLUDED.attributes, updated_at = EXCLUDED.updated_at
), removed AS (
  -- Per-profile index lookups by construction (LATERAL ... OFFSET 0, then by ctid): without
  -- statistics the planner otherwise picks a full scan, making a large import quadratic.
  DELETE FROM segment_members WHERE ctid = ANY (ARRAY (
    SELECT m.ctid FROM input AS i
    CROSS JOIN LATERAL (SELECT ctid, segment_id FROM segment_members WHERE profile_id = i.id OFFSET 0) AS m
    WHERE NOT (i.segments ? m.segment_id)))
)
INSERT INTO segment_members (segment_id, profile_id)
SELECT s.segment_id, i.id FROM input AS i, jsonb_array_elements_text(i.segments) AS s(segment_id)
ON CONFLICT DO NOTHING`;

export type LineSource = NodeJS.ReadableStream | AsyncIterable<Uint8Array | string> | WebReadableStream<Uint8Array>;

/**
 * Splits a byte or text stream into lines (LF or CRLF). Pulls one chunk at a time, so a slow
 * consumer such as importProfiles applies backpressure. Accepts web streams (Hono's c.req.raw.body).
 */
export async function* readLines(stream: LineSource, maxLineChars = MAX_LINE_CHARS): AsyncIterable<Line> {
  const source = 'getReader' in stream ? Readable.fromWeb(stream) : stream;
  const decoder = new TextDecoder(); // drops a leading BOM, which would otherwise break line 1's JSON
  let rest = '';
  let tooLong = false; // the current line went over the limit: dropped up to its end
  const lineEnd = (text: string) => (text.endsWith('\r') ? text.slice(0, -1) : text);
  for await (const piece of source as AsyncIterable<Uint8Array | string>) {
    let from = rest.length; // only scan new text: a long line spread over many chunks stays linear
    rest += typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true });
    let start = 0;
    for (let nl = rest.indexOf('\n', from); nl !== -1; nl = rest.indexOf('\n', from)) {
      const line = lineEnd(rest.slice(start, nl));
      yield tooLong || line.length > maxLineChars ? LINE_TOO_LONG : line;
      tooLong = false;
      start = from = nl + 1;
    }
    rest = rest.slice(start);
    if (rest.length > maxLineChars) {
      tooLong = true;
      rest = '';
    }
  }
  rest += decoder.decode();
  if (tooLong) yield LINE_TOO_LONG;
  else if (rest !== '') yield rest.length > maxLineChars ? LINE_TOO_LONG : lineEnd(rest);
}
/** Segments exist only through their members; a segment's id is its name. */
export async function listSegments(db: Db): Promise<{ id: string; name: string; profileCount: number }[]> {
  return db.query(
    `SELECT segment_id AS id, segment_id AS name, count(*)::int AS "profileCount"
     FROM segment_members GROUP BY segment_id ORDER BY segment_id`,
  );
}

export async function listProfileFields(db: Db): Promise<{ name: string; profileCount: number }[]> {
  return db.query(
    `SELECT k AS name, count(*)::int AS "profileCount"
     FROM profiles, jsonb_object_keys(attributes) AS k GROUP BY k ORDER BY k`,
  );
}

/** Returns the ids that do NOT exist (no members), in input order without repeats. */
export async function segmentsExist(db: Db, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const rows = await db.query<{ id: string }>(
    `SELECT t.id FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n)
     WHERE NOT EXISTS (SELECT 1 FROM segment_members m WHERE m.segment_id = t.id) ORDER BY t.n`,
    [unique],
  );
  return rows.map((r) => r.id);
}

export async function countProfiles(db: Db): Promise<number> {
  const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM profiles');
  return rows[0].n;
}
