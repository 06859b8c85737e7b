import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTE_NAMES } from '../../../domain/run-labels';

const root = path.resolve(__dirname, '../../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = Object.entries(compose.services);

/** A release tag (1.30.1, 16.10-bookworm), optionally with a digest: never `latest` or a bare major. */
const PINNED = /^[a-z0-9./-]+:\d+\.\d+(\.\d+)?(-[a-z0-9.]+)*(@sha256:[0-9a-f]{64})?$/;

describe('docker-compose.yml', () => {
  it('is a valid Compose file by the Compose Specification schema', () => {
    const schema = JSON.parse(read('test/fixtures/compose-spec/compose-spec.json')) as object;
    // The schema names draft-07 by its https address, and uses annotations (`deprecated`) beyond it.
    const ajv = new Ajv({ allErrors: true, strict: false });
    ajv.addMetaSchema({ ...draft07, $id: 'https://json-schema.org/draft-07/schema' });
    const validate = ajv.compile(schema);
    const valid = validate(parse(read('docker-compose.yml'), { merge: true }));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs a real Temporal server, not the dev server', () => {
    expect(compose.services.temporal.image).toMatch(/^temporalio\/server:/);
    for (const [, service] of services) expect(service.command?.join(' ') ?? '').not.toMatch(/start-dev/);
  });

  it('pins every image it pulls to a release', () => {
    for (const [name, service] of services) {
      if (service.build) continue;
      expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(PINNED) });
    }
  });

  it('publishes nothing but the API; the Temporal UI only on loopback', () => {
    const published = services.flatMap(([name, s]) => (s.ports ?? []).map((port) => ({ name, port })));
    const open = published.filter(({ port }) => !port.startsWith('127.0.0.1:'));
    expect(open.map(({ name }) => name)).toEqual(['api']);
    expect(compose.services['temporal-ui'].ports).toEqual(['127.0.0.1:8080:8080']);
  });

  it('checks the health of the API and the workers', () => {
    expect(compose.services.api.healthcheck?.test.join(' ')).toMatch(/127\.0\.0\.1:3000\/health/);
    const worker = compose.services.worker;
    expect(worker.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${worker.environment?.WORKER_HEALTH_PORT}/health`);
  });

  it("sets up both of Temporal's databases with Temporal's schema tool", () => {
    const script = read('deploy/temporal/setup-schema.sh');
    for (const db of ['temporal', 'temporal_visibility']) {
      expect(script).toMatch(new RegExp(`--db ${db} setup-schema -v 0\\.0`));
      expect(script).toMatch(new RegExp(`--db ${db} update-schema -d`));
    }
    expect(script).toContain('/etc/temporal/schema/postgresql/v12/temporal/versioned');
    expect(script).toContain('/etc/temporal/schema/postgresql/v12/visibility/versioned');
  });

  it('registers every search attribute the runs set, as Keyword', () => {
    const script = read('deploy/temporal/create-namespace.sh');
    const registered = /for name in ([^;]+);/.exec(script)?.[1].trim().split(/\s+/);
    expect(registered?.sort()).toEqual([...SEARCH_ATTRIBUTE_NAMES].sort());
    expect(script).toContain('--type Keyword');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const stage = (name: string) => stages.find((s) => s.split('\n')[0].endsWith(` AS ${name}`)) ?? '';

  it('bundles the workflow code in its build stage, and the runtime loads that bundle', () => {
    expect(stage('build')).toMatch(/^RUN npm run bundle-workflows -- dist\/workflow-bundle\.js/m);
    expect(stage('runtime')).toMatch(/TEMPORAL_WORKFLOW_BUNDLE=\/app\/dist\/workflow-bundle\.js/);
  });

  it('runs as an unprivileged user, on a pinned Node image', () => {
    expect(stage('runtime')).toMatch(/^USER node$/m);
    expect(/^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1]).toMatch(PINNED);
  });
});
