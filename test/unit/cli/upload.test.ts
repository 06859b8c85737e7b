import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bytes, importFile, type ByteProgress } from '../../../cli/upload';

function progress(): ByteProgress & { total?: number; seen: number[]; stopped: boolean } {
  const p = {
    seen: [] as number[],
    stopped: false,
    total: undefined as number | undefined,
    start: (t: number) => void (p.total = t),
    sent: (n: number) => void p.seen.push(n),
    stop: () => void (p.stopped = true),
  };
  return p;
}

describe('importing a file', () => {
  it('streams the file as the request body and reports the bytes sent', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'cli-import-')), 'profiles.ndjson');
    const content = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ id: `p-${i}`, segments: ['A'] })).join('\n') + '\n';
    writeFileSync(file, content);
    let received = '';
    const importProfiles = async (body: ReadableStream<Uint8Array>) => {
      for await (const chunk of body) received += Buffer.from(chunk).toString('utf8');
      return { imported: 5000, rejected: 0, errors: [] };
    };
    const p = progress();

    expect(await importFile({ importProfiles }, file, p)).toEqual({ imported: 5000, rejected: 0, errors: [] });
    expect(received).toBe(content);
    expect(p.total).toBe(Buffer.byteLength(content));
    expect(p.seen.at(-1)).toBe(Buffer.byteLength(content));
    expect(p.stopped).toBe(true);
  });

  it('says plainly when the file cannot be read', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-import-'));
    const importProfiles = () => Promise.reject(new Error('not called'));
    await expect(importFile({ importProfiles }, path.join(dir, 'missing.ndjson'), progress())).rejects.toThrow(/missing.ndjson: no such file$/);
    await expect(importFile({ importProfiles }, dir, progress())).rejects.toThrow(/not a file$/);
  });

  it('writes sizes in binary units', () => {
    expect([bytes(512), bytes(2048), bytes(5 * 1024 * 1024)]).toEqual(['512 B', '2.0 KiB', '5.0 MiB']);
  });
});
