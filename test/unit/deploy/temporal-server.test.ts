import path from 'node:path';
import { TEMPORAL_SERVER_VERSION } from '../../../scripts/cluster/install';
import { DYNAMIC_CONFIG, SERVER_SETTINGS, serverEnv, type TemporalPorts } from '../../../scripts/cluster/temporal';
import type { PostgresServer } from '../../../scripts/postgres-server';
import { compose } from './files';

/**
 * The Temporal server of docker-compose.yml is the one `npm run cluster` runs and `npm run
 * test:cluster` proves: the same release, started the same way (the template built into the
 * server, from the environment) with the same settings; only addresses, ports and log level differ.
 */
const temporal = compose.services.temporal;
const composeEnv = temporal.environment ?? {};
const ports = Object.fromEntries(['frontend', 'frontendHttp', 'frontendMembership', 'history', 'historyMembership', 'matching', 'matchingMembership', 'worker', 'workerMembership', 'metrics'].map((name, i) => [name, 20_000 + i])) as unknown as TemporalPorts;
const clusterEnv = serverEnv({ host: '127.0.0.1', port: 5432, user: 'postgres' } as PostgresServer, ports);

/** What the cluster sets for loopback and the compose file leaves at the template's defaults. */
const LOOPBACK_ONLY = ['TEMPORAL_BROADCAST_ADDRESS', 'FRONTEND_GRPC_PORT', 'FRONTEND_HTTP_PORT', 'FRONTEND_MEMBERSHIP_PORT', 'HISTORY_GRPC_PORT', 'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT', 'MATCHING_MEMBERSHIP_PORT', 'WORKER_GRPC_PORT', 'WORKER_MEMBERSHIP_PORT', 'LOG_LEVEL'];
/** Read by the SQL tool of the schema step, which shares the compose file's database settings. */
const SQL_TOOL_ONLY = ['SQL_PASSWORD'];

describe("docker-compose.yml's Temporal server", () => {
  it('is the release the cluster builds, as are the admin tools that set up its schema and namespace', () => {
    expect(temporal.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    for (const name of ['temporal-schema', 'temporal-namespace']) expect(compose.services[name].image).toBe(`temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`);
  });

  it("has the cluster's settings", () => {
    for (const [name, value] of Object.entries(SERVER_SETTINGS)) expect({ name, value: composeEnv[name] }).toEqual({ name, value });
  });

  it('sets nothing the cluster does not, and the cluster sets nothing more than its loopback addresses and log level', () => {
    const composeOnly = Object.keys(composeEnv).filter((name) => !(name in clusterEnv) && !SQL_TOOL_ONLY.includes(name));
    expect(composeOnly).toEqual([]);
    const clusterOnly = Object.keys(clusterEnv).filter((name) => !(name in composeEnv) && !LOOPBACK_ONLY.includes(name));
    expect(clusterOnly).toEqual([]);
  });

  it("reads the cluster's dynamic config file", () => {
    const [source, target] = temporal.volumes?.[0]?.split(':') ?? [];
    expect(path.resolve(__dirname, '../../..', source)).toBe(path.dirname(DYNAMIC_CONFIG));
    expect(composeEnv.DYNAMIC_CONFIG_FILE_PATH).toBe(`${target}/${path.basename(DYNAMIC_CONFIG)}`);
  });
});
