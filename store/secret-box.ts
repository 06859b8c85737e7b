import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** AES-256-GCM for secrets at rest. Stored form: `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
  /** A keyed hash of a secret: the same in every process sharing the key, useless without it. */
  fingerprint(purpose: string, secret: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('SECRETS_KEY must be 32 bytes (base64-encoded)');
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed) {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('Unreadable sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    },
    fingerprint(purpose, secret) {
      return createHmac('sha256', key).update(`${purpose}\0${secret}`, 'utf8').digest('base64url');
    },
  };
}

export function generateSecretsKey(): string {
  return randomBytes(32).toString('base64');
}
