import { createCipheriv, randomBytes } from 'node:crypto';
import { createSecretBox, generateSecretsKey, SecretOpenError, type SecretOpenFailure } from '../../../store/secret-box';

const newKey = () => Buffer.from(generateSecretsKey(), 'base64');
const key = newKey();
const box = createSecretBox(key);
const SECRET = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** A value as the first version stored it: `v1.<iv>.<tag>.<ciphertext>`, no associated data. */
function sealV1(plain: string, k: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

function failure(open: () => string): { reason: SecretOpenFailure; message: string } {
  try {
    open();
  } catch (err) {
    expect(err).toBeInstanceOf(SecretOpenError);
    const { reason, message } = err as SecretOpenError;
    expect(message).not.toContain(SECRET);
    return { reason, message };
  }
  throw new Error('expected the sealed value not to open');
}

/** Replaces one dot-separated part of a sealed value. */
const withPart = (sealed: string, index: number, edit: (part: string) => string) =>
  sealed.split('.').map((p, i) => (i === index ? edit(p) : p)).join('.');

describe('secret box', () => {
  it('seals as v2 with its key id, and opens with the same associated data', () => {
    const sealed = box.seal(SECRET, 'conn-1');
    expect(sealed.split('.')).toHaveLength(5);
    expect(sealed.startsWith(`v2.${box.keyId}.`)).toBe(true);
    expect(sealed).not.toContain(SECRET);
    expect(box.open(sealed, 'conn-1')).toBe(SECRET);
    expect(box.isCurrent(sealed)).toBe(true);
  });

  it('refuses a tampered ciphertext', () => {
    const sealed = withPart(box.seal(SECRET, 'conn-1'), 4, (data) => `${data[0] === 'A' ? 'B' : 'A'}${data.slice(1)}`);
    expect(failure(() => box.open(sealed, 'conn-1')).reason).toBe('not_authentic');
  });

  it('refuses a value sealed for another place (associated data)', () => {
    const sealed = box.seal(SECRET, 'conn-1');
    const { reason, message } = failure(() => box.open(sealed, 'conn-2'));
    expect(reason).toBe('not_authentic');
    expect(message).toMatch(/belongs to another record/);
  });

  it('refuses a truncated tag before decrypting', () => {
    const sealed = withPart(box.seal(SECRET, 'conn-1'), 3, (tag) => Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url'));
    const { reason, message } = failure(() => box.open(sealed, 'conn-1'));
    expect(reason).toBe('malformed');
    expect(message).toMatch(/tag is not 16 bytes/);
  });

  it('refuses values in no known form', () => {
    for (const sealed of ['', 'v3.a.b.c.d', 'v2.x.y', `${box.seal(SECRET)}.extra`, withPart(box.seal(SECRET), 2, () => '!!!!')]) {
      expect(failure(() => box.open(sealed)).reason).toBe('malformed');
    }
  });

  it('still opens v1 values, which are not current and so get re-sealed', () => {
    const sealed = sealV1(SECRET, key);
    expect(box.open(sealed, 'conn-1')).toBe(SECRET);
    expect(box.isCurrent(sealed)).toBe(false);
  });

  it('tells a value sealed under another key by its key id, before decrypting', () => {
    const other = createSecretBox(newKey());
    expect(other.keyId).not.toBe(box.keyId);
    const { reason, message } = failure(() => box.open(other.seal(SECRET, 'conn-1'), 'conn-1'));
    expect(reason).toBe('other_key');
    expect(message).toContain(other.keyId);
    expect(box.isCurrent(other.seal(SECRET))).toBe(false);
  });

  it('derives the same key id from the same key, and keeps fingerprints stable per key', () => {
    const again = createSecretBox(Buffer.from(key));
    expect(again.keyId).toBe(box.keyId);
    expect(again.fingerprint('p', 's')).toBe(box.fingerprint('p', 's'));
    expect(createSecretBox(newKey()).fingerprint('p', 's')).not.toBe(box.fingerprint('p', 's'));
  });
});
