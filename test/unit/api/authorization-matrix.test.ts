import { createTokenStore } from '../../../store/tokens';
import { connectionBody, createConnection, createExport, exportBody } from './fixtures';
import { createHarness, HARNESS_TIMEOUT, json, seedProfiles, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
}, HARNESS_TIMEOUT);
afterAll(() => h.close());

type Who = 'anonymous' | 'contributor' | 'admin';
type Ids = Record<'tokenId' | 'connectionId' | 'privateConnectionId' | 'exportId' | 'privateExportId' | 'runId', string>;

/** A fresh world per case: a shared and an admins-only connection, an export on each, a run going. */
async function world(): Promise<Ids> {
  await h.reset();
  await seedProfiles(h.db);
  const connectionId = await createConnection(h);
  const privateConnectionId = await createConnection(h, { usableBy: 'admins' });
  const exportId = await createExport(h, connectionId);
  const privateExportId = await createExport(h, privateConnectionId);
  const { runId } = await json(await h.call('admin', 'POST', `/exports/${await createExport(h, connectionId)}/runs`));
  const { record } = await createTokenStore(h.db).create({ name: 'spare', role: 'contributor', createdBy: 'test' });
  return { tokenId: record.id, connectionId, privateConnectionId, exportId, privateExportId, runId };
}

const NDJSON = 'application/x-ndjson';
// [method, path, body, anonymous, contributor, admin]; {placeholders} are filled from the world.
const MATRIX: [string, string, unknown, number, number, number][] = [
  ['GET', '/health', undefined, 200, 200, 200],
  ['GET', '/openapi.json', undefined, 200, 200, 200],
  ['GET', '/docs', undefined, 200, 200, 200],
  ['GET', '/nope', undefined, 404, 404, 404],
  ['GET', '/segments', undefined, 401, 200, 200],
  ['GET', '/profile-fields', undefined, 401, 200, 200],
  ['POST', '/profiles/import', NDJSON, 401, 403, 200],
  ['POST', '/tokens', { name: 'new', role: 'contributor' }, 401, 403, 201],
  ['GET', '/tokens', undefined, 401, 403, 200],
  ['DELETE', '/tokens/{tokenId}', undefined, 401, 403, 204],
  ['POST', '/connections', 'connection', 401, 403, 201],
  ['GET', '/connections', undefined, 401, 200, 200],
  ['GET', '/connections/{connectionId}', undefined, 401, 200, 200],
  ['GET', '/connections/{privateConnectionId}', undefined, 401, 404, 200],
  ['PATCH', '/connections/{connectionId}', { displayName: 'Renamed' }, 401, 403, 200],
  ['POST', '/connections/{connectionId}/test', undefined, 401, 403, 200],
  ['DELETE', '/connections/{connectionId}?detach=true', undefined, 401, 403, 204],
  ['POST', '/exports', 'export', 401, 201, 201],
  ['GET', '/exports', undefined, 401, 200, 200],
  ['GET', '/exports/{exportId}', undefined, 401, 200, 200],
  ['GET', '/exports/{privateExportId}', undefined, 401, 404, 200],
  ['PATCH', '/exports/{exportId}', { displayName: 'Renamed' }, 401, 200, 200],
  ['PATCH', '/exports/{privateExportId}', { displayName: 'Renamed' }, 401, 404, 200],
  ['DELETE', '/exports/{exportId}', undefined, 401, 204, 204],
  ['DELETE', '/exports/{privateExportId}', undefined, 401, 404, 204],
  ['POST', '/exports/{exportId}/runs', undefined, 401, 202, 202],
  ['POST', '/exports/{privateExportId}/runs', undefined, 401, 404, 202],
  ['GET', '/exports/{exportId}/runs', undefined, 401, 200, 200],
  ['GET', '/runs/{runId}', undefined, 401, 200, 200],
  ['GET', '/runs/{runId}/outcomes', undefined, 401, 200, 200],
  ['POST', '/runs/{runId}/approve-removals', undefined, 401, 403, 200],
  // Contributors may re-drive like they may start runs; the world's run is still going: 409 for both.
  ['POST', '/runs/{runId}/redrive', undefined, 401, 409, 409],
  ['POST', '/runs/{runId}/cancel', undefined, 401, 202, 202],
];

const cases = MATRIX.flatMap(([method, path, body, ...expected]) =>
  (['anonymous', 'contributor', 'admin'] as Who[]).map((who, i) => [method, path, who, expected[i], body] as const),
);

// Rebuilt only after a case changed something: refused calls leave the world as it was.
let current: Ids | undefined;

describe('authorization matrix', () => {
  it.each(cases)('%s %s as %s → %i', async (method, template, who, expected, body) => {
    const ids = (current ??= await world());
    const path = template.replace(/\{(\w+)\}/g, (_, key: keyof Ids) => ids[key]);
    let res: Response;
    if (body === NDJSON) {
      const headers: Record<string, string> = { 'content-type': NDJSON };
      if (who !== 'anonymous') headers.authorization = `Bearer ${h.tokens[who]}`;
      res = await h.app.request(path, { method, headers, body: '{"id":"x","EmailAddress":"x@example.com"}' });
    } else {
      const payload = body === 'connection' ? connectionBody(h) : body === 'export' ? exportBody(ids.connectionId) : body;
      res = await h.call(who, method, path, payload);
    }
    if (method !== 'GET' && res.status < 300) current = undefined;
    expect(res.status).toBe(expected);
    if (expected >= 400) expect((await json(res)).error.code).toEqual(expect.any(String));
  });
});
