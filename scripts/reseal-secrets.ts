// Re-seals every stored secret under a new SECRETS_KEY: `OLD_SECRETS_KEY=… SECRETS_KEY=… npm run reseal-secrets`.
// Prints counts only. Stop the API and the workers first (PGlite also allows only one process).
import { ConfigError, loadConfigOrExit } from '../config/env';
import { loadResealKeys } from '../config/reseal-env';
import { openDb } from '../store/db';
import { resealSecrets } from '../store/reseal-secrets';
import { createSecretBox } from '../store/secret-box';

function keysOrExit(): { from: Buffer; to: Buffer } {
  try {
    return loadResealKeys();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const { from, to } = keysOrExit();
  const config = loadConfigOrExit();
  const db = await openDb(config.store);
  try {
    const counts = await resealSecrets(db, createSecretBox(from), createSecretBox(to));
    for (const c of counts) console.log(`${c.name}: ${c.resealed} re-sealed, ${c.alreadyCurrent} already under the new key`);
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
