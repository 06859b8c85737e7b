import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { openDb } from '../store/db';
import { importProfiles, readLines } from '../store/profiles';

const USAGE = 'usage: tsx scripts/import-profiles.ts <file.ndjson | ->';

// Kept minimal on purpose: env parsing will move to config/. Empty values count as unset.
const Env = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL').optional(),
  DATA_DIR: z.string().default('.data'),
});

class UsageError extends Error {}

async function openInput(arg: string | undefined): Promise<NodeJS.ReadableStream> {
  if (arg === undefined || arg === '') throw new UsageError(USAGE);
  if (arg === '-') return process.stdin;
  // Checked up front so a missing file is reported before a store is opened or created.
  const info = await stat(arg).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${arg}: ${err.code ?? err.message}`);
  });
  if (!info.isFile()) throw new UsageError(`cannot read ${arg}: not a file`);
  return createReadStream(arg);
}

async function main(argv: string[]): Promise<void> {
  if (argv.length !== 1) throw new UsageError(USAGE);
  const parsed = Env.safeParse({ DATABASE_URL: process.env.DATABASE_URL || undefined, DATA_DIR: process.env.DATA_DIR || undefined });
  // Only the issue messages: the URL itself may carry a password.
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  const env = parsed.data;
  const input = await openInput(argv[0]);

  let dataDir: string | undefined;
  if (!env.DATABASE_URL) {
    dataDir = path.join(env.DATA_DIR, 'pglite');
    await mkdir(dataDir, { recursive: true });
  }
  const db = await openDb({ url: env.DATABASE_URL, dataDir });
  try {
    const started = Date.now();
    const result = await importProfiles(db, readLines(input));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`imported ${result.imported}, rejected ${result.rejected} (${seconds}s)`);
    for (const e of result.errors) console.log(`  ${e.message}`);
    const hidden = result.rejected - result.errors.length;
    if (hidden > 0) console.log(`  … and ${hidden} more rejected lines`);
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(err instanceof UsageError ? err.message : `import failed: ${err.message}`);
  process.exitCode = 1;
});
