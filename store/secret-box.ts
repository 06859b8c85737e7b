import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets at rest. Stored form: `v2.<keyId>.<iv>.<tag>.<ciphertext>`, base64url
 * parts, sealed with associated data (the row it belongs to). `v1.<iv>.<tag>.<ciphertext>`, from
 * before key ids and associated data, still opens; every write, and `npm run reseal-secrets`,
 * stores v2.
 */
export interface SecretBox {
  /** Names the key without revealing it: a value sealed under another key is told apart before decrypting. */
  readonly keyId: string;
  /** `associatedData` binds the sealed value to its place (e.g. its row's id): elsewhere it will not open. */
  seal(plain: string, associatedData?: string): string;
  /** Throws a {@link SecretOpenError} when the value is malformed, sealed under another key, altered or misplaced. */
  open(sealed: string, associatedData?: string): string;
  /** Whether `sealed` is already in the current form under this key (nothing to re-seal). */
  isCurrent(sealed: string): boolean;
  /** A keyed hash of a secret: the same in every process sharing the key, useless without it. */
  fingerprint(purpose: string, secret: string): string;
}

export type SecretOpenFailure = 'malformed' | 'other_key' | 'not_authentic';

/** Why a sealed value did not open; its message never holds the value or the key. */
export class SecretOpenError extends Error {
  override name = 'SecretOpenError';
  constructor(
    readonly reason: SecretOpenFailure,
    message: string,
  ) {
    super(message);
  }
}

const IV_BYTES = 12;
// GCM accepts tags as short as 4 bytes unless told otherwise; a short tag is easy to forge.
const TAG_BYTES = 16;
const KEY_ID_LABEL = 'segment-export secret-box key id';

/** The first 6 bytes of an HMAC of a constant under the key: stable, and says nothing about the key. */
export function keyIdOf(key: Buffer): string {
  return createHmac('sha256', key).update(KEY_ID_LABEL, 'utf8').digest().subarray(0, 6).toString('base64url');
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('SECRETS_KEY must be 32 bytes (base64-encoded)');
  const keyId = keyIdOf(key);
  return {
    keyId,
    seal(plain, associatedData = '') {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v2', keyId, ...[iv, cipher.getAuthTag(), data].map((p) => p.toString('base64url'))].join('.');
    },
    open(sealed, associatedData = '') {
      const parsed = parseSealed(sealed);
      if (parsed.keyId !== undefined && parsed.keyId !== keyId) {
        throw new SecretOpenError('other_key', `The secret was sealed under another SECRETS_KEY (key id ${parsed.keyId}; this key's id is ${keyId})`);
      }
      // v1 values were sealed without associated data.
      return decrypt(key, parsed, parsed.keyId === undefined ? undefined : associatedData);
    },
    isCurrent: (sealed) => sealed.startsWith(`v2.${keyId}.`),
    fingerprint(purpose, secret) {
      return createHmac('sha256', key).update(`${purpose}\0${secret}`, 'utf8').digest('base64url');
    },
  };
}

interface Sealed {
  /** Undefined for v1. */
  keyId?: string;
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
}

function parseSealed(sealed: string): Sealed {
  const parts = sealed.split('.');
  const [version] = parts;
  let fields: { keyId?: string; iv?: string; tag?: string; data?: string } | undefined;
  if (version === 'v2' && parts.length === 5) fields = { keyId: parts[1], iv: parts[2], tag: parts[3], data: parts[4] };
  if (version === 'v1' && parts.length === 4) fields = { iv: parts[1], tag: parts[2], data: parts[3] };
  if (!fields?.iv || !fields.tag || fields.data === undefined) throw new SecretOpenError('malformed', 'The sealed secret is not in a known form');
  const sealedParts = { keyId: fields.keyId, iv: fromBase64url(fields.iv), tag: fromBase64url(fields.tag), data: fromBase64url(fields.data) };
  if (sealedParts.iv.length !== IV_BYTES) throw new SecretOpenError('malformed', 'The sealed secret has an IV of the wrong length');
  if (sealedParts.tag.length !== TAG_BYTES) throw new SecretOpenError('malformed', `The sealed secret's tag is not ${TAG_BYTES} bytes (truncated?)`);
  return sealedParts;
}

function fromBase64url(text: string): Buffer {
  // Buffer.from skips characters outside the alphabet; a value that is not plain base64url is malformed.
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new SecretOpenError('malformed', 'The sealed secret is not in a known form');
  return Buffer.from(text, 'base64url');
}

function decrypt(key: Buffer, sealed: Sealed, associatedData: string | undefined): string {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(sealed.tag);
  if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  try {
    return Buffer.concat([decipher.update(sealed.data), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretOpenError('not_authentic', 'The sealed secret failed authentication: it was altered, or it belongs to another record');
  }
}

export function generateSecretsKey(): string {
  return randomBytes(32).toString('base64');
}
