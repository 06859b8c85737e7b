import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import { parse } from 'yaml';
import { DEFAULT_TASK_QUEUE, destinationTaskQueue } from '../../../domain/ids';
import { SEARCH_ATTRIBUTE_NAMES } from '../../../domain/run-labels';
import { dockerIgnores, sentFiles } from './dockerignore';
import { filesLoadedBy } from './imports';

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

const dockerfile = read('Dockerfile');
/** One stage of the Dockerfile, from its FROM line to the next. */
const stage = (name: string) => dockerfile.split(/^FROM /m).find((s) => s.split('\n')[0].endsWith(` AS ${name}`)) ?? '';

/** What a `${VAR:-default}` comes to when VAR is not set. */
const withDefaults = (text: string) => text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

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

  it('publishes only the API and the Temporal UI, both on loopback unless told otherwise', () => {
    const published = services.flatMap(([name, s]) => (s.ports ?? []).map((port) => ({ name, port: withDefaults(port) })));
    expect(published).toEqual([
      { name: 'temporal-ui', port: '127.0.0.1:8080:8080' },
      { name: 'api', port: '127.0.0.1:3000:3000' },
    ]);
    // Opening the API is a choice (API_BIND), made in the environment, not in this file.
    expect(compose.services.api.ports).toEqual(['${API_BIND:-127.0.0.1}:${API_PORT:-3000}:3000']);
  });

  it('tells the API which reverse proxy to believe, trusting none unless told', () => {
    expect(compose.services.api.environment?.TRUSTED_PROXIES).toBe('${TRUSTED_PROXIES:-}');
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

  it('bundles the workflow code in its build stage, and the runtime loads that bundle', () => {
    expect(stage('build')).toMatch(/^RUN npm run bundle-workflows -- dist\/workflow-bundle\.js/m);
    expect(stage('runtime')).toMatch(/TEMPORAL_WORKFLOW_BUNDLE=\/app\/dist\/workflow-bundle\.js/);
  });

  it('runs as an unprivileged user, on a pinned Node image', () => {
    expect(stage('runtime')).toMatch(/^USER node$/m);
    expect(/^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1]).toMatch(PINNED);
  });
});

describe('the image build', () => {
  const ignored = dockerIgnores(read('.dockerignore'));
  /** What the image's processes start from: the commands of the services built from it. */
  const entries = services.flatMap(([, s]) => (s.build && s.command ? [s.command[s.command.length - 1]] : []));
  const loaded = filesLoadedBy(root, entries);

  it('keeps secrets, local state and everything not needed out of the build context', () => {
    const kept = ['.env', '.env.production', 'api/.env', '.data/secrets.key', '.data/pglite/PG_VERSION', '.git/config',
      'node_modules/zod/package.json', 'test/fixtures/compose-spec/compose-spec.json', 'bench/results/run.json', 'docs/x.md',
      'cli/main.ts', 'Dockerfile', 'docker-compose.yml', 'README.md', 'tls/server.pem', 'store/dump.key', 'npm-debug.log'];
    expect(kept.filter((file) => !ignored(file))).toEqual([]);
  });

  it('sends what the build stage runs: the lock file, the dependency check and the workflow bundler', () => {
    const build = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/ensure-deps.mjs', 'scripts/bundle-workflows.ts'];
    expect(build.filter(ignored)).toEqual([]);
    expect(read('package.json')).toContain('"bundle-workflows": "node scripts/ensure-deps.mjs && tsx scripts/bundle-workflows.ts"');
    expect(filesLoadedBy(root, ['scripts/bundle-workflows.ts']).filter(ignored)).toEqual([]);
  });

  it('sends every file the API, the workers and the simulator load', () => {
    expect(entries.sort()).toEqual(['api/main.ts', 'autopilot-sim/main.ts', 'worker/main.ts']);
    expect(loaded.length).toBeGreaterThan(100);
    expect(loaded.filter(ignored)).toEqual([]);
  });

  it('sends nothing else but the build stage scripts, which do not reach the runtime stage', () => {
    const folders = new Set(loaded.map((file) => (file.includes('/') ? file.split('/')[0] : file)));
    const beyond = sentFiles(root, read('.dockerignore')).filter((file) => !folders.has(file.split('/')[0]));
    const buildOnly = ['package-lock.json', 'scripts/ensure-deps.mjs', 'scripts/bundle-workflows.ts'];
    expect(beyond.sort()).toEqual([...buildOnly, 'package.json', 'scripts/reseal-secrets.ts', 'tsconfig.json'].sort());
    expect(stage('build')).toContain(`rm ${buildOnly.join(' ')}`);
    expect(stage('runtime')).toMatch(/^COPY --from=build \/app \.\/$/m);
  });
});

describe("the Temporal server's dynamic config", () => {
  it('gives the destination queue, by the name the engine uses, one partition', () => {
    const config = parse(read('deploy/temporal/dynamicconfig/segment-export.yaml')) as Record<string, { value: number; constraints: { taskQueueName: string } }[]>;
    for (const key of ['matching.numTaskqueueReadPartitions', 'matching.numTaskqueueWritePartitions']) {
      expect(config[key]).toEqual([{ value: 1, constraints: { taskQueueName: destinationTaskQueue(DEFAULT_TASK_QUEUE) } }]);
    }
  });
});
