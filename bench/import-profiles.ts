/**
 * Measures importProfiles throughput and memory: `tsx bench/import-profiles.ts [--count N]
 * [--chunk-size N] [--data-dir DIR]`. In memory by default, where the stored data itself also
 * grows RSS; --data-dir (file-backed PGlite) or the JS heap peak isolate the importer's own memory.
 */
import { openDb } from '../store/db';
import { countProfiles, importProfiles } from '../store/profiles';
import { generateDemoProfiles } from '../scripts/demo-data';

function option(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

async function* asAsync(lines: Iterable<string>): AsyncIterable<string> {
  yield* lines;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const count = Number(option('count', '1000000'));
  const chunkSize = Number(option('chunk-size', '1000'));
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new Error('--count and --chunk-size must be positive integers');
  }
  const db = await openDb({ dataDir: option('data-dir') });
  const baseline = process.memoryUsage();
  let peakHeap = baseline.heapUsed;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 50);
  try {
    const started = performance.now();
    const result = await importProfiles(db, asAsync(generateDemoProfiles({ count })), { chunkSize });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const stored = await countProfiles(db);
    console.log(`lines:      ${count} (imported ${result.imported}, rejected ${result.rejected}, stored ${stored})`);
    console.log(`time:       ${seconds.toFixed(1)} s`);
    console.log(`throughput: ${Math.round(count / seconds)} lines/s`);
    // maxRSS is the true OS high-water mark (kB); the heap figure is sampled every 50 ms.
    console.log(`peak RSS:   ${mb(process.resourceUsage().maxRSS * 1024)} (RSS after open ${mb(baseline.rss)})`);
    console.log(`peak heap:  ${mb(peakHeap)} (after open ${mb(baseline.heapUsed)})`);
  } finally {
    clearInterval(sampler);
    await db.close();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
