import { createConnectionStore } from '../../../store/connections';
import { openDb, type Db } from '../../../store/db';
import { createSecretBox, generateSecretsKey, SecretOpenError } from '../../../store/secret-box';

let db: Db;
beforeAll(async () => {
  db = await openDb();
});
afterAll(() => db.close());

const box = createSecretBox(Buffer.from(generateSecretsKey(), 'base64'));
const KEY_A = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const KEY_B = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

describe('connection keys at rest', () => {
  it('binds a sealed key to its connection: copied to another row, it does not open', async () => {
    const store = createConnectionStore(db, box);
    const a = await store.create({ displayName: 'A', apiKey: KEY_A, usableBy: 'admins', createdBy: 'test' });
    const b = await store.create({ displayName: 'B', apiKey: KEY_B, usableBy: 'admins', createdBy: 'test' });
    expect((await store.readApiKey(a.id))?.apiKey).toBe(KEY_A);

    await db.query('UPDATE connections SET api_key_secret = (SELECT api_key_secret FROM connections WHERE id = $1) WHERE id = $2', [a.id, b.id]);
    const err = await store.readApiKey(b.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretOpenError);
    expect((err as SecretOpenError).reason).toBe('not_authentic');
    expect((err as Error).message).toContain(`Connection ${b.id}`);
    expect((err as Error).message).not.toContain(KEY_A);
  });

  it('seals a changed key as v2 for its connection', async () => {
    const store = createConnectionStore(db, box);
    const c = await store.create({ displayName: 'C', apiKey: KEY_A, usableBy: 'admins', createdBy: 'test' });
    await store.update(c.id, { apiKey: KEY_B });
    const [row] = await db.query<{ secret: string }>('SELECT api_key_secret AS secret FROM connections WHERE id = $1', [c.id]);
    expect(box.isCurrent(row.secret)).toBe(true);
    expect(box.open(row.secret, c.id)).toBe(KEY_B);
  });
});
