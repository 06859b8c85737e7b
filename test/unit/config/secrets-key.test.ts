import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../../config/env';
import { loadResealKeys } from '../../../config/reseal-env';
import { secretsKeyProblem } from '../../../config/secrets-key';
import { generateSecretsKey } from '../../../store/secret-box';

const b64 = (bytes: number[] | Buffer) => Buffer.from(bytes).toString('base64');
const WEAK_KEYS: Record<string, string> = {
  'too short': randomBytes(16).toString('base64'),
  'too long': randomBytes(48).toString('base64'),
  'not base64': `${'!'.repeat(43)}=`,
  'all zero': b64(Buffer.alloc(32)),
  'one repeated byte': b64(Buffer.alloc(32, 0xa7)),
  'a repeated pattern': b64(Buffer.concat(Array.from({ length: 8 }, () => Buffer.from([0x9c, 0x11, 0xe4, 0x5a])))),
  'counting': b64(Array.from({ length: 32 }, (_, i) => (i * 7 + 3) % 256)),
  'a passphrase': b64(Buffer.from('correct horse battery staple 42!')),
};

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('SECRETS_KEY', () => {
  it('accepts random keys', () => {
    for (let i = 0; i < 200; i++) expect(secretsKeyProblem(generateSecretsKey())).toBeUndefined();
    expect(loadConfig({ SECRETS_KEY: generateSecretsKey() }).secretsKey).toHaveLength(32);
  });

  it.each(Object.entries(WEAK_KEYS))('refuses a key that is %s, naming the variable but not the value', (_, value) => {
    expect(secretsKeyProblem(value)).toBeDefined();
    const message = configError({ SECRETS_KEY: value });
    expect(message).toContain('SECRETS_KEY');
    expect(message).not.toContain(value);
  });
});

describe('ADMIN_TOKEN', () => {
  it('must be at least 32 characters, and its value is never shown', () => {
    const short = 'x'.repeat(31);
    const message = configError({ ADMIN_TOKEN: short });
    expect(message).toMatch(/ADMIN_TOKEN/);
    expect(message).toMatch(/at least 32/);
    expect(message).not.toContain(short);
    expect(loadConfig({ ADMIN_TOKEN: 'y'.repeat(32) }).api.adminToken).toHaveLength(32);
  });
});

describe('reseal keys', () => {
  it('needs both keys, refuses a weak new one and accepts a weak old one (it is being retired)', () => {
    const strong = generateSecretsKey();
    expect(() => loadResealKeys({ SECRETS_KEY: strong })).toThrow(/OLD_SECRETS_KEY/);
    expect(() => loadResealKeys({ OLD_SECRETS_KEY: strong, SECRETS_KEY: WEAK_KEYS['all zero'] })).toThrow(/SECRETS_KEY/);
    const keys = loadResealKeys({ OLD_SECRETS_KEY: WEAK_KEYS['all zero'], SECRETS_KEY: strong });
    expect(keys.to.toString('base64')).toBe(strong);
  });
});
