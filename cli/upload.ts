import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import type { ApiClient } from './api-client';
import { BAR_CHARS } from './follow';
import { CliError } from './errors';
import type { ImportResult } from './types';

/** Told how many bytes have gone out so far. */
export interface ByteProgress {
  start(totalBytes: number): void;
  sent(bytes: number): void;
  stop(): void;
}

/**
 * A web stream over `source` that reports each chunk as the request pulls it: fetch pulls as
 * the connection drains, so the count follows what was sent, not what was read ahead.
 */
export function countingStream(source: AsyncIterable<Uint8Array>, onChunk: (bytes: number) => void): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await it.next();
      if (next.done) return controller.close();
      onChunk(next.value.byteLength);
      controller.enqueue(next.value);
    },
    async cancel() {
      await it.return?.();
    },
  });
}

async function fileSize(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new CliError('unreadable_file', `cannot read ${file}: not a file`);
    return info.size;
  } catch (err) {
    if (err instanceof CliError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError('unreadable_file', `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(err))}`);
  }
}

/** POST /profiles/import with the file streamed as NDJSON: memory stays flat whatever its size. */
export async function importFile(client: Pick<ApiClient, 'importProfiles'>, file: string, progress: ByteProgress): Promise<ImportResult> {
  const size = await fileSize(file);
  let sent = 0;
  progress.start(size);
  try {
    const body = countingStream(createReadStream(file), (n) => progress.sent((sent += n)));
    return await client.importProfiles(body);
  } finally {
    progress.stop();
  }
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export const noByteProgress: ByteProgress = { start: () => undefined, sent: () => undefined, stop: () => undefined };

/** The bar over the bytes sent, on a terminal. */
export function byteBar(stream: NodeJS.WriteStream): ByteProgress {
  const bar = new SingleBar({ format: '{bar} {percentage}% | {done} of {size} sent', stream, hideCursor: true, barsize: 30, fps: 10, ...BAR_CHARS });
  let size = 0;
  return {
    start(total) {
      size = total;
      bar.start(Math.max(total, 1), 0, { done: bytes(0), size: bytes(total) });
    },
    sent: (n) => bar.update(n, { done: bytes(n), size: bytes(size) }),
    stop: () => bar.stop(),
  };
}
