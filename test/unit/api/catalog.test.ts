import { createHarness, HARNESS_TIMEOUT, json, seedProfiles, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, HARNESS_TIMEOUT);
beforeEach(() => h.reset());
afterAll(() => h.close());

function importRequest(body: string | ReadableStream<Uint8Array>, contentType = 'application/x-ndjson') {
  return h.app.request('/profiles/import', {
    method: 'POST',
    headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': contentType },
    body,
    duplex: 'half',
  } as RequestInit);
}

/** A body that arrives in small pieces, cutting lines (and a multi-byte character) in half. */
function trickle(text: string, size = 7): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, (offset += size)));
    },
  });
}

describe('GET /segments and /profile-fields', () => {
  it('list segments and attributes with profile counts, for any signed-in user', async () => {
    await seedProfiles(h.db, 5);
    expect(await json(await h.call('contributor', 'GET', '/segments'))).toEqual({
      segments: [
        { id: 'Loyalty', name: 'Loyalty', profileCount: 5 },
        { id: 'VIP', name: 'VIP', profileCount: 3 },
      ],
    });
    const { fields } = await json(await h.call('contributor', 'GET', '/profile-fields'));
    expect(fields).toContainEqual({ name: 'EmailAddress', profileCount: 5 });
  });
});

describe('POST /profiles/import', () => {
  it('imports a streamed NDJSON body and reports rejected lines by number', async () => {
    const lines = [
      JSON.stringify({ id: 'a1', segments: ['VIP'], EmailAddress: 'a1@example.com', FirstName: 'Zoë' }),
      'not json',
      '',
      JSON.stringify({ id: 'a2', segments: ['VIP', 'New'], EmailAddress: 'a2@example.com' }),
      JSON.stringify({ segments: ['VIP'] }),
    ];
    const res = await importRequest(trickle(lines.join('\r\n') + '\n'));
    expect(res.status).toBe(200);
    const result = await json(res);
    expect(result).toMatchObject({ imported: 2, rejected: 2 });
    expect(result.errors.map((e: { line: number }) => e.line)).toEqual([2, 5]);
    expect((await json(await h.call('admin', 'GET', '/segments'))).segments).toHaveLength(2);
  });

  it('accepts a charset parameter on the content type', async () => {
    const res = await importRequest('{"id":"x","EmailAddress":"x@example.com"}', 'application/x-ndjson; charset=utf-8');
    expect((await json(res)).imported).toBe(1);
  });

  it.each(['application/json', 'text/plain'])('answers 415 for %s', async (type) => {
    const res = await importRequest('{"id":"x"}', type);
    expect(res.status).toBe(415);
    expect((await json(res)).error.code).toBe('unsupported_media_type');
  });

  it('is for admins only', async () => {
    const res = await h.app.request('/profiles/import', {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.contributor}`, 'content-type': 'application/x-ndjson' },
      body: '{"id":"x"}',
    });
    expect(res.status).toBe(403);
  });
});

describe('GET /health', () => {
  it('answers without a token', async () => {
    expect(await json(await h.app.request('/health'))).toEqual({ status: 'ok', store: 'ok', temporal: 'ok' });
  });
});
