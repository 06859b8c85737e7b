import Ajv from 'ajv';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json';
import { parse } from 'yaml';
import { DEFAULT_TASK_QUEUE, destinationTaskQueue } from '../../../domain/ids';
import { SEARCH_ATTRIBUTE_NAMES } from '../../../domain/run-labels';
import { compose, PINNED, read, services } from './files';

/** What a `${VAR:-default}` comes to when VAR is not set. */
const withDefaults = (text: string) => text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

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

  it("checks the health of the API, the workers and the simulator on their own health routes, healthy on a 200 within a deadline", () => {
    const probe = (name: string) => compose.services[name].healthcheck?.test.join(' ') ?? '';
    expect(probe('api')).toContain(`127.0.0.1:${compose.services.api.environment?.PORT}/health'`);
    expect(probe('worker')).toContain(`127.0.0.1:${compose.services.worker.environment?.WORKER_HEALTH_PORT}/health'`);
    expect(probe('autopilot-sim')).toContain(`127.0.0.1:${compose.services['autopilot-sim'].environment?.AUTOPILOT_SIM_PORT}/_sim/health'`);
    for (const name of ['api', 'worker', 'autopilot-sim']) {
      expect(probe(name)).toContain('r.status === 200 ? 0 : 1');
      expect(probe(name)).toMatch(/AbortSignal\.timeout\(\d+\)/);
    }
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

describe("the Temporal server's dynamic config", () => {
  it('gives the destination queue, by the name the engine uses, one partition', () => {
    const config = parse(read('deploy/temporal/dynamicconfig/segment-export.yaml')) as Record<string, { value: number; constraints: { taskQueueName: string } }[]>;
    for (const key of ['matching.numTaskqueueReadPartitions', 'matching.numTaskqueueWritePartitions']) {
      expect(config[key]).toEqual([{ value: 1, constraints: { taskQueueName: destinationTaskQueue(DEFAULT_TASK_QUEUE) } }]);
    }
  });
});
