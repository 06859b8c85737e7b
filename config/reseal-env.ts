import { z } from 'zod';
import { ConfigError } from './env';
import { anySecretsKey, strongSecretsKey } from './secrets-key';

const resealSchema = z.object({ OLD_SECRETS_KEY: anySecretsKey, SECRETS_KEY: strongSecretsKey });

/** For `npm run reseal-secrets`: the key being retired and the one replacing it, both required. */
export function loadResealKeys(env: Record<string, string | undefined> = process.env): { from: Buffer; to: Buffer } {
  const parsed = resealSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  return { from: Buffer.from(parsed.data.OLD_SECRETS_KEY, 'base64'), to: Buffer.from(parsed.data.SECRETS_KEY, 'base64') };
}
