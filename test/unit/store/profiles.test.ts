import { Readable } from 'node:stream';
import { ReadableStream } from 'node:stream/web';
import { generateDemoProfiles } from '../../../scripts/demo-data';
import { openDb, type Db } from '../../../store/db';
import {
  countProfiles,
  importProfiles,
  listProfileFields,
  listSegments,
  readLines,
  segmentsExist,
  LINE_TOO_LONG,
  MAX_DEPTH,
  MAX_LINE_CHARS,
  type Line,
} from '../../../store/profiles';

async function* from(lines: Iterable<string>): AsyncIterable<string> {
  yield* lines;
}

async function collect(lines: AsyncIterable<Line>): Promise<Line[]> {
  const out: Line[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

const line = (o: unknown) => JSON.stringify(o);

describe('profiles store', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb();
  }, 60_000);
  beforeEach(async () => {
    await db.exec('TRUNCATE profiles, segment_members');
  });
  afterAll(async () => {
    await db?.close();
  });

  const attributesOf = async (id: string) =>
    (await db.query<{ attributes: unknown }>('SELECT attributes FROM profiles WHERE id = $1', [id]))[0]?.attributes;
  const segmentsOf = async (id: string) =>
    (await db.query<{ s: string }>('SELECT segment_id AS s FROM segment_members WHERE profile_id = $1 ORDER BY 1', [id])).map((r) => r.s);

  it('keeps good lines and reports bad ones by line number without echoing content', async () => {
    const input = [
      line({ id: 'p-1', segments: ['VIP'], EmailAddress: 'ann@example.com', FirstName: 'Ann' }),
      '{"id": "p-2", "EmailAddress": "secret@example.com"', // truncated JSON
      '',
      line({ EmailAddress: 'no-id@example.com' }),
      line({ id: 'p-4', segments: 'VIP' }),
      line({ id: 42, FirstName: 'Num' }),
      line(['not', 'an', 'object']),
      line({ id: 'p-8', segments: ['VIP', 7] }),
      line({ id: '' }),
      line({ id: 'x'.repeat(201) }),
      line({ id: 'p-11', Note: 'nul \u0000 inside' }),
      '   ',
      line({ id: 'p-13', Note: 'a literal backslash-u: \\u0000 and an emoji 😀' }),
    ];
    const result = await importProfiles(db, from(input));
    expect(result.imported).toBe(2);
    expect(result.rejected).toBe(9);
    expect(result.errors.map((e) => e.line)).toEqual([2, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(result.errors[0].message).toBe('line 2: not valid JSON');
    expect(result.errors[2].message).toBe('line 5: "segments" must be an array of strings');
    expect(result.errors[3].message).toBe('line 6: "id" must be a string');
    expect(result.errors[1].message).toBe('line 4: "id" is required');
    for (const e of result.errors) expect(e.message).not.toMatch(/example\.com|secret|Num/);
    expect(await attributesOf('p-1')).toEqual({ EmailAddress: 'ann@example.com', FirstName: 'Ann' });
    expect(await attributesOf('p-13')).toEqual({ Note: 'a literal backslash-u: \\u0000 and an emoji 😀' });
    expect(await segmentsOf('p-1')).toEqual(['VIP']);
    expect(await countProfiles(db)).toBe(2);
  });

  it('keeps only maxErrors details but counts every rejection', async () => {
    const result = await importProfiles(db, from(Array.from({ length: 30 }, () => 'nope')), { maxErrors: 5 });
    expect(result).toMatchObject({ imported: 0, rejected: 30 });
    expect(result.errors).toHaveLength(5);
  });

  it('re-importing an id replaces its attributes and memberships, and is idempotent', async () => {
    await importProfiles(db, from([line({ id: 'p-1', segments: ['VIP', 'Newsletter'], FirstName: 'Ann', City: 'Oslo' })]));
    const again = [line({ id: 'p-1', segments: ['Newsletter', 'Loyalty'], FirstName: 'Anna' })];
    await importProfiles(db, from(again));
    await importProfiles(db, from(again));
    expect(await attributesOf('p-1')).toEqual({ FirstName: 'Anna' });
    expect(await segmentsOf('p-1')).toEqual(['Loyalty', 'Newsletter']);
    await importProfiles(db, from([line({ id: 'p-1' })]));
    expect(await segmentsOf('p-1')).toEqual([]);
    expect(await countProfiles(db)).toBe(1);
  });

  it('lets the last line for an id win within a chunk and across chunks', async () => {
    const input = [
      line({ id: 'p-1', segments: ['VIP'], v: 1 }),
      line({ id: 'p-2', segments: ['VIP'], v: 1 }),
      line({ id: 'p-1', segments: ['Loyalty', 'Loyalty'], v: 2 }),
      line({ id: 'p-2', segments: ['Newsletter'], v: 2 }),
    ];
    const result = await importProfiles(db, from(input), { chunkSize: 3 });
    expect(result).toMatchObject({ imported: 4, rejected: 0 });
    expect(await attributesOf('p-1')).toEqual({ v: 2 });
    expect(await segmentsOf('p-1')).toEqual(['Loyalty']);
    expect(await attributesOf('p-2')).toEqual({ v: 2 });
    expect(await segmentsOf('p-2')).toEqual(['Newsletter']);
  });

  it('lists segments, profile fields and missing segments with counts', async () => {
    await importProfiles(db, from([
      line({ id: 'p-1', segments: ['VIP', 'Newsletter'], EmailAddress: 'a@example.com', FirstName: 'A' }),
      line({ id: 'p-2', segments: ['Newsletter'], EmailAddress: 'b@example.com' }),
      line({ id: 'p-3', Plan: 'pro' }),
    ]));
    expect(await listSegments(db)).toEqual([
      { id: 'Newsletter', name: 'Newsletter', profileCount: 2 },
      { id: 'VIP', name: 'VIP', profileCount: 1 },
    ]);
    expect(await listProfileFields(db)).toEqual([
      { name: 'EmailAddress', profileCount: 2 },
      { name: 'FirstName', profileCount: 1 },
      { name: 'Plan', profileCount: 1 },
    ]);
    expect(await segmentsExist(db, ['VIP', 'Nope', 'Newsletter', 'Nope', 'Other'])).toEqual(['Nope', 'Other']);
    expect(await segmentsExist(db, [])).toEqual([]);
    expect(await countProfiles(db)).toBe(3);
  });

  it('streams 50,000 generated lines through readLines in chunks', async () => {
    function* file(): Iterable<Buffer> {
      for (const l of generateDemoProfiles({ count: 50_000, seed: 7 })) yield Buffer.from(`${l}\n`);
    }
    const result = await importProfiles(db, readLines(Readable.from(file())), { chunkSize: 2000 });
    expect(result).toEqual({ imported: 50_000, rejected: 0, errors: [] });
    expect(await countProfiles(db)).toBe(50_000);
    const members = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM segment_members');
    const total = (await listSegments(db)).reduce((sum, s) => sum + s.profileCount, 0);
    expect(total).toBe(members[0].n);
    expect(total).toBeGreaterThan(50_000);
  }, 120_000);
});

describe('readLines', () => {
  it('splits LF and CRLF lines across chunk boundaries and drops a BOM', async () => {
    const bytes = Buffer.from('\ufeff{"id":"a"}\r\n\r\n{"id":"ü"}\n{"id":"c"}');
    // Cut between \r and \n, and inside the two bytes of ü.
    const pieces = [bytes.subarray(0, 5), bytes.subarray(5, 14), bytes.subarray(14, 25), bytes.subarray(25)];
    expect(await collect(readLines(Readable.from(pieces)))).toEqual(['{"id":"a"}', '', '{"id":"ü"}', '{"id":"c"}']);
  });

  it('accepts a web ReadableStream such as a request body', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('one\ntw'));
        controller.enqueue(new TextEncoder().encode('o\n'));
        controller.close();
      },
    });
    expect(await collect(readLines(body))).toEqual(['one', 'two']);
  });

  it('stands in for a line over the limit without holding it, and goes on with the next', async () => {
    const long = 'x'.repeat(50);
    const pieces = ['ok\n', long.slice(0, 20), long.slice(20), '\nnext\n', long];
    expect(await collect(readLines(Readable.from(pieces), 30))).toEqual(['ok', LINE_TOO_LONG, 'next', LINE_TOO_LONG]);
  });
});

describe('import limits', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb();
  });
  afterAll(() => db.close());
  const lines = (...texts: Line[]) => (async function* () {
    yield* texts;
  })();

  it('rejects over-long and too deeply nested lines by number and keeps the rest', async () => {
    const deep = `{"id":"deep","x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const result = await importProfiles(db, lines('{"id":"k1","segments":["S"]}', deep, LINE_TOO_LONG, '{"id":"k2","segments":["S"]}'));
    expect(result).toEqual({
      imported: 2,
      rejected: 2,
      errors: [
        { line: 2, message: `line 2: nested deeper than ${MAX_DEPTH} levels` },
        { line: 3, message: `line 3: longer than ${MAX_LINE_CHARS} characters` },
      ],
    });
    expect((await listSegments(db)).find((s) => s.id === 'S')?.profileCount).toBe(2);
  });

  it('applies all of an import or nothing: an upload cut short leaves the store as it was', async () => {
    const before = await countProfiles(db);
    async function* cutShort() {
      for (let i = 0; i < 2500; i++) yield JSON.stringify({ id: `cut-${i}`, segments: ['Cut'] });
      throw new Error('the client went away');
    }
    await expect(importProfiles(db, cutShort(), { chunkSize: 1000 })).rejects.toThrow('the client went away');
    expect(await countProfiles(db)).toBe(before);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM import_staging'))[0].n).toBe(0);
  });

  it('runs concurrent imports of the same profiles one after the other, without a deadlock', async () => {
    const file = (tag: string) => Array.from({ length: 1500 }, (_, i) => JSON.stringify({ id: `c-${1499 - i}`, segments: [tag], n: i }));
    const results = await Promise.all(['X', 'Y', 'Z'].map((tag) => importProfiles(db, lines(...file(tag)), { chunkSize: 300 })));
    for (const r of results) expect(r.imported).toBe(1500);
    const segments = (await listSegments(db)).filter((s) => ['X', 'Y', 'Z'].includes(s.id));
    expect(segments.map((s) => s.profileCount)).toEqual([1500]); // the last applied import wins, whole
  });
});
