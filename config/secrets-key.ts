import { z } from 'zod';

const HOW = '32 random bytes, base64-encoded (openssl rand -base64 32)';

/**
 * Why a base64 `SECRETS_KEY` is not fit to seal secrets, or undefined when it is. Each check
 * refuses what people type or paste by mistake (a passphrase, zeros, a pattern); 32 bytes from a
 * random source fail none of them except with negligible odds (all printable: below 1e-13).
 */
export function secretsKeyProblem(base64: string): string | undefined {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32 || key.toString('base64') !== base64) return `must be ${HOW}`;
  if (new Set(key).size < 16) return `has too few distinct bytes to be random (zeros, a repeated byte or pattern); use ${HOW}`;
  if (isCountingSequence(key)) return `is a counting sequence, not random bytes; use ${HOW}`;
  if (key.every((b) => b >= 0x20 && b <= 0x7e)) return `decodes to plain text (a passphrase?), not random bytes; use ${HOW}`;
  return undefined;
}

function isCountingSequence(key: Buffer): boolean {
  const step = (key[1] - key[0] + 256) % 256;
  return key.every((b, i) => i === 0 || (b - key[i - 1] + 256) % 256 === step);
}

/** The key every process seals with; a weak one is refused at start. Messages never hold the value. */
export const strongSecretsKey = z.string().superRefine((value, ctx) => {
  const problem = secretsKeyProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A key being retired (`OLD_SECRETS_KEY`): only its form is checked, since a weak one is why it goes. */
export const anySecretsKey = z
  .string()
  .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded');
