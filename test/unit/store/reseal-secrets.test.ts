import { createCipheriv, randomBytes } from 'node:crypto';
import { createAlertStore } from '../../../store/alerts';
import { createConnectionStore } from '../../../store/connections';
import { openDb, type Db } from '../../../store/db';
import { resealSecrets } from '../../../store/reseal-secrets';
import { createSecretBox, generateSecretsKey } from '../../../store/secret-box';

let db: Db;
beforeAll(async () => {
  db = await openDb();
});
afterAll(() => db.close());
beforeEach(() => db.exec('TRUNCATE connections, exports CASCADE'));

const newKey = () => Buffer.from(generateSecretsKey(), 'base64');
const KEYS = ['a1b2c3d4e5f60718293a4b5c6d7e8f90', '0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'ffeeddccbbaa99887766554433221100'];

function sealV1(plain: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', ...[iv, cipher.getAuthTag(), data].map((p) => p.toString('base64url'))].join('.');
}

/** Three connections under `oldKey`: two sealed as v2, the last as the first version stored it. */
async function seed(oldKey: Buffer): Promise<string[]> {
  const store = createConnectionStore(db, createSecretBox(oldKey));
  const ids: string[] = [];
  for (const [i, apiKey] of KEYS.entries()) ids.push((await store.create({ displayName: `c${i}`, apiKey, usableBy: 'admins', createdBy: 'test' })).id);
  await db.query('UPDATE connections SET api_key_secret = $2 WHERE id = $1', [ids[2], sealV1(KEYS[2], oldKey)]);
  return ids;
}

/** An export with an alert webhook, whose signing secret is sealed under `key`; returns the secret. */
async function seedAlert(key: Buffer): Promise<string> {
  await db.query(
    `INSERT INTO exports (id, display_name, segment_ids, mapping, profile_limit, on_limit_exceeded, created_by)
     VALUES ('e1', 'E', '["VIP"]', '{}', 100000, 'fail', 'test')`,
  );
  const secret = await createAlertStore(db, createSecretBox(key)).set('e1', { webhookUrl: 'https://example.com/hook', events: ['failed'] });
  return secret!;
}

const sealedValues = async () =>
  (await db.query<{ s: string }>('SELECT api_key_secret AS s FROM connections UNION ALL SELECT alert_secret FROM exports ORDER BY 1')).map((r) => r.s);

describe('resealSecrets', () => {
  it('moves every key to the new SECRETS_KEY, and running it again changes nothing', async () => {
    const oldKey = newKey();
    const newBox = createSecretBox(newKey());
    const ids = await seed(oldKey);
    const alertSecret = await seedAlert(oldKey);

    const counts = await resealSecrets(db, createSecretBox(oldKey), newBox);
    expect(counts).toEqual([
      { name: 'connections.api_key_secret', resealed: 3, alreadyCurrent: 0 },
      { name: 'exports.alert_secret', resealed: 1, alreadyCurrent: 0 },
    ]);
    const store = createConnectionStore(db, newBox);
    for (const [i, id] of ids.entries()) expect((await store.readApiKey(id))?.apiKey).toBe(KEYS[i]);
    expect((await createAlertStore(db, newBox).target('e1'))?.secret).toBe(alertSecret);
    expect((await sealedValues()).every((s) => newBox.isCurrent(s))).toBe(true);

    const before = await sealedValues();
    expect(await resealSecrets(db, createSecretBox(oldKey), newBox)).toEqual([
      { name: 'connections.api_key_secret', resealed: 0, alreadyCurrent: 3 },
      { name: 'exports.alert_secret', resealed: 0, alreadyCurrent: 1 },
    ]);
    expect(await sealedValues()).toEqual(before);
    await expect(createConnectionStore(db, createSecretBox(oldKey)).readApiKey(ids[0])).rejects.toThrow(/another SECRETS_KEY/);
  });

  it('re-seals v1 values as v2 when the key stays the same', async () => {
    const key = newKey();
    await seed(key);
    const counts = await resealSecrets(db, createSecretBox(key), createSecretBox(key));
    expect(counts[0]).toMatchObject({ resealed: 1, alreadyCurrent: 2 });
    expect(counts[1]).toMatchObject({ resealed: 0, alreadyCurrent: 0 });
  });

  it('changes nothing when one value does not open with the old key', async () => {
    const oldKey = newKey();
    await seed(oldKey);
    await createConnectionStore(db, createSecretBox(newKey())).create({ displayName: 'stray', apiKey: KEYS[0], usableBy: 'admins', createdBy: 'test' });
    const before = await sealedValues();
    await expect(resealSecrets(db, createSecretBox(oldKey), createSecretBox(newKey()))).rejects.toThrow(/does not open with OLD_SECRETS_KEY.*nothing was changed/);
    expect(await sealedValues()).toEqual(before);
  });
});
