import { csvBody } from '../../../console/outcomes-csv';

async function* pages(failAt?: number): AsyncGenerator<string> {
  yield 'profileId,email\r\n';
  for (let i = 1; i <= 3; i++) {
    if (i === failAt) throw new Error(`page ${i} failed`);
    yield `p-${i},p${i}@example.com\r\n`;
  }
}

const text = (body: ReadableStream<Uint8Array>) => new Response(body).text();

describe('the outcomes CSV as a body', () => {
  it('holds every page', async () => {
    expect(await text(await csvBody(pages()))).toBe('profileId,email\r\np-1,p1@example.com\r\np-2,p2@example.com\r\np-3,p3@example.com\r\n');
  });

  it('fails before answering when the first page fails', async () => {
    await expect(csvBody(pages(1))).rejects.toThrow('page 1 failed');
  });

  it('errors, rather than ends, when a later page fails: a cut file never looks whole', async () => {
    const body = await csvBody(pages(3));
    await expect(text(body)).rejects.toThrow('page 3 failed');
  });
});
