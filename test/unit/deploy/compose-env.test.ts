import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES, loadConfig } from '../../../config/env';
import { createOutboundPolicy, hostOf } from '../../../outbound/policy';
import { PROFILE_SOURCE_VARIABLES } from '../../../profiles-source/config';
import { filesLoadedBy } from './imports';
import { compose, read, root } from './files';

/**
 * Every setting the API and the workers read reaches them from the environment docker compose runs
 * in: passed through by its own name, with a default that the engine accepts, or required (`:?`).
 */
const api = compose.services.api.environment ?? {};
const worker = compose.services.worker.environment ?? {};

/** Temporal's client settings, as its envconfig package reads them (config/temporal.ts). */
const envconfigDir = path.dirname(require.resolve('@temporalio/envconfig'));
const TEMPORAL_CLIENT_VARIABLES = [
  ...new Set(readdirSync(envconfigDir).filter((f) => f.endsWith('.js')).flatMap((f) => readFileSync(path.join(envconfigDir, f), 'utf8').match(/\bTEMPORAL_[A-Z_]*[A-Z]\b/g) ?? [])),
];
/** What the code the API and the workers load reads from process.env directly (the console's TEMPORAL_UI_URL). */
const READ_DIRECTLY = filesLoadedBy(root, ['api/main.ts', 'worker/main.ts']).flatMap((file) => [...read(file).matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]));
const READ = [...new Set([...CONFIG_VARIABLES, ...PROFILE_SOURCE_VARIABLES, ...TEMPORAL_CLIENT_VARIABLES, ...READ_DIRECTLY])];

/** Read, but deliberately not passed, and why. */
const NOT_PASSED: Record<string, string> = {
  DATA_DIR: 'the embedded store; the compose file runs PostgreSQL (DATABASE_URL)',
  TEMPORAL_WORKFLOW_BUNDLE: 'set by the image to its prebuilt bundle',
  TEMPORAL_CONFIG_FILE: 'names a file the image does not hold: mount it and set it in an override file',
  TEMPORAL_PROFILE: 'a profile of TEMPORAL_CONFIG_FILE',
  TEMPORAL_TLS_CLIENT_CERT_PATH: 'names a file: the compose file passes the PEM text (…_DATA)',
  TEMPORAL_TLS_CLIENT_KEY_PATH: 'names a file: the compose file passes the PEM text (…_DATA)',
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'names a file: the compose file passes the PEM text (…_DATA)',
  TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: "not offered: name the server's certificate with TEMPORAL_TLS_SERVER_NAME instead",
  TEMPORAL_GRPC_META_: 'a prefix for any gRPC header, not a variable: set such headers in an override file',
  TEMPORAL_CODEC_ENDPOINT: 'the engine uses no remote codec',
  TEMPORAL_CODEC_AUTH: 'the engine uses no remote codec',
};
/** Read by one kind of process only. */
const API_ONLY = ['PORT', 'ADMIN_TOKEN', 'TRUSTED_PROXIES', 'SCHEDULE_MIN_INTERVAL_MINUTES', 'RUN_SWEEP_INTERVAL_MS', 'TEMPORAL_UI_URL'];
const WORKER_ONLY = ['WORKER_HEALTH_PORT', 'RUN_DETAILS_RETENTION_DAYS', 'DESTINATION_QUEUE_RATE_LIMIT', 'DESTINATION_TIMEOUT_MS'];
/** Set to a value of the compose file's own, not passed from its environment. */
const FIXED = ['PORT', 'WORKER_HEALTH_PORT', 'DATABASE_URL', 'NODE_OPTIONS'];

/** The environment a service gets when only the required variables are set (sample values here). */
function resolved(env: Record<string, string>, set: Record<string, string> = {}): Record<string, string> {
  const required: Record<string, string> = { SECRETS_KEY: randomBytes(32).toString('base64'), ADMIN_TOKEN: 'a'.repeat(40), STORE_DB_PASSWORD: 'pw', ...set };
  const substitute = (value: string) =>
    value.replace(/\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g, (_all, name: string, kind?: string, rest?: string) => set[name] ?? (kind === '-' ? (rest ?? '') : required[name]));
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, substitute(value)]));
}

describe("docker-compose.yml's settings for the engine", () => {
  it('passes every setting the API and the workers read, to the processes that read it', () => {
    expect(READ).toEqual(expect.arrayContaining(['OUTBOUND_ALLOWED_HOSTS', 'PUBLIC_URL', 'PROFILE_SOURCE', 'DATAVERSE_URL', 'RUN_DETAILS_RETENTION_DAYS', 'TEMPORAL_API_KEY', 'TEMPORAL_UI_URL']));
    const missing = READ.filter((name) => !(name in NOT_PASSED)).flatMap((name) => {
      const wanted = { api: !WORKER_ONLY.includes(name), worker: !API_ONLY.includes(name) };
      const passed = { api: name in api, worker: name in worker };
      return wanted.api === passed.api && wanted.worker === passed.worker ? [] : [{ name, wanted, passed }];
    });
    expect(missing).toEqual([]);
  });

  it('sets nothing the engine does not read (a misspelt name would be lost silently)', () => {
    const unread = [...new Set([...Object.keys(api), ...Object.keys(worker)])].filter((name) => !READ.includes(name) && name !== 'NODE_OPTIONS');
    expect(unread).toEqual([]);
  });

  it('passes each one through by its own name, with a default or as required', () => {
    const notThrough = Object.entries({ ...api, ...worker })
      .filter(([name]) => !FIXED.includes(name))
      .filter(([name, value]) => !new RegExp(`^\\$\\{${name}(:-[^}]*|:\\?[^}]+)\\}$`).test(value));
    expect(notThrough).toEqual([]);
  });

  it('requires the secrets, and has defaults the engine accepts for everything else', () => {
    for (const name of ['SECRETS_KEY', 'ADMIN_TOKEN']) expect(api[name]).toMatch(new RegExp(`^\\$\\{${name}:\\?`));
    expect(api.DATABASE_URL).toContain('${STORE_DB_PASSWORD:?');
    for (const env of [api, worker]) {
      const config = loadConfig(resolved(env));
      expect(config.temporal).toMatchObject({ address: 'temporal:7233', namespace: 'default', taskQueue: 'segment-export' });
      expect(config.profileSource).toEqual({ kind: 'builtin' });
    }
    expect(loadConfig(resolved(worker)).retention.runDetailsDays).toBe(30);
    expect(loadConfig(resolved(api)).api.publicUrl).toBe('http://localhost:3000');
  });

  it('takes a deployment on Temporal Cloud and Customer Insights from its environment', () => {
    const set = {
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'key',
      PROFILE_SOURCE: 'dataverse', DATAVERSE_URL: 'https://contoso.crm.dynamics.com', DATAVERSE_TENANT_ID: 'contoso.onmicrosoft.com',
      DATAVERSE_CLIENT_ID: '00000000-0000-4000-8000-000000000001', DATAVERSE_CLIENT_SECRET: 'secret', PUBLIC_URL: 'https://export.example.com',
    };
    const config = loadConfig(resolved(worker, set));
    expect(config.temporal).toMatchObject({ address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct', connection: { apiKey: 'key' } });
    expect(config.profileSource).toMatchObject({ kind: 'dataverse', organizationUrl: 'https://contoso.crm.dynamics.com' });
    expect(config.api.publicUrl).toBe('https://export.example.com');
  });
});

describe("docker-compose.yml's simulator profile", () => {
  const sim = compose.services['autopilot-sim'];
  const settings = { AUTOPILOT_BASE_URL: 'http://autopilot-sim:8787/v1', OUTBOUND_ALLOWED_HOSTS: 'http://autopilot-sim' };
  const command = `AUTOPILOT_BASE_URL=${settings.AUTOPILOT_BASE_URL} OUTBOUND_ALLOWED_HOSTS=${settings.OUTBOUND_ALLOWED_HOSTS}`;
  /** The policy the API and the workers build for destination calls (api/main.ts, worker/start-worker.ts). */
  const destinationPolicy = (env: Record<string, string>) => {
    const config = loadConfig(resolved(env, settings));
    return createOutboundPolicy([...config.outbound.allowedHosts, hostOf(config.autopilot.baseUrl)]);
  };

  it('runs the simulator where the documented AUTOPILOT_BASE_URL points, on the compose network', () => {
    expect(sim.profiles).toEqual(['sim']);
    expect(sim.environment).toMatchObject({ AUTOPILOT_SIM_HOST: '0.0.0.0', AUTOPILOT_SIM_PORT: new URL(settings.AUTOPILOT_BASE_URL).port });
    expect(read('docker-compose.yml')).toContain(command);
    expect(read('docs/deployment.md')).toContain(command);
  });

  it('lets the API and the workers call it with those settings, and only with them', () => {
    for (const env of [api, worker]) {
      expect(() => destinationPolicy(env).check(settings.AUTOPILOT_BASE_URL)).not.toThrow();
      const withoutOwnNetwork = loadConfig(resolved(env, { AUTOPILOT_BASE_URL: settings.AUTOPILOT_BASE_URL }));
      const refused = createOutboundPolicy([...withoutOwnNetwork.outbound.allowedHosts, hostOf(withoutOwnNetwork.autopilot.baseUrl)]);
      expect(() => refused.check(settings.AUTOPILOT_BASE_URL)).toThrow(/must be https/);
    }
  });
});
