import { createApp } from '../../../api/app';
import type { Db } from '../../../store/db';
import { createSecretBox, generateSecretsKey } from '../../../store/secret-box';
import { createFakeRuns, createFakeScheduler, json, TEST_OUTBOUND } from './harness';

// The documents touch no store: a stand-in that fails loudly if they ever do.
const noDb = new Proxy({}, { get: () => () => Promise.reject(new Error('no store in this test')) }) as Db;
const app = createApp({
  db: noDb,
  box: createSecretBox(Buffer.from(generateSecretsKey(), 'base64')),
  checkKey: async () => ({ name: 'Test' }),
  outbound: TEST_OUTBOUND,
  scheduler: createFakeScheduler().scheduler,
  runs: createFakeRuns().runs,
  logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
});

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with every route, a bearer scheme and the error envelope', async () => {
    const res = await app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json(res);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/health', '/segments', '/profile-fields', '/profiles/import', '/tokens', '/tokens/{id}', '/connections',
        '/connections/{id}', '/connections/{id}/test', '/exports', '/exports/{id}', '/exports/{id}/runs', '/exports/run-scheduled',
        '/runs/{runId}', '/runs/{runId}/cancel', '/runs/{runId}/pause', '/runs/{runId}/resume', '/runs/{runId}/outcomes', '/runs/{runId}/approve-removals',
        '/runs/{runId}/redrive',
      ].sort(),
    );
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/exports'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/health'].get.security).toEqual([]);
    expect(doc.paths['/connections'].post.responses['422'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  });

  it('describes request bodies as strict, and never the API key in a response', async () => {
    const { components } = await json(await app.request('/openapi.json'));
    expect(components.schemas.CreateConnection.additionalProperties).toBe(false);
    expect(components.schemas.CreateConnection.required).toEqual(expect.arrayContaining(['displayName', 'apiKey', 'privacyConsent']));
    expect(components.schemas.Connection.properties.apiKey).toBeUndefined();
    expect(components.schemas.CreateExport.properties.profileLimit).toMatchObject({ minimum: 1, maximum: 100_000 });
    expect(components.schemas.CreateExport.properties.maxRemovalShare).toMatchObject({ exclusiveMinimum: 0, maximum: 1 });
  });

  it("documents starting a run's optional body, strict", async () => {
    const { paths } = await json(await app.request('/openapi.json'));
    const body = paths['/exports/{id}/runs'].post.requestBody;
    expect(body.required).toBe(false);
    expect(body.content['application/json'].schema).toMatchObject({
      additionalProperties: false,
      properties: { dryRun: { type: 'boolean' }, mode: { enum: ['incremental', 'full'] } },
    });
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await app.request('/docs');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('/openapi.json');
  });
});
