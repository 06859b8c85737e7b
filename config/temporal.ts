import { loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';

/** What both the client's Connection and the worker's NativeConnection accept. */
export type TemporalConnectionOptions = Pick<ClientConnectConfig['connectionOptions'], 'tls' | 'apiKey' | 'metadata'> & { address: string };

export interface TemporalSettings {
  address?: string;
  namespace?: string;
  connection: Omit<TemporalConnectionOptions, 'address'>;
}

const LOCAL_TEMPORAL = 'localhost:7233';

/**
 * Where and how to reach Temporal, by Temporal's own conventions (as its CLI and every SDK read
 * them): a profile of the TOML config file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE), overridden
 * by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS* and
 * TEMPORAL_GRPC_META_*. An API key turns TLS on, as Temporal Cloud needs.
 */
export function loadTemporalSettings(env: Record<string, string>): TemporalSettings {
  let loaded: ClientConnectConfig;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: env });
  } catch (err) {
    // The file's own text may hold a key, and parse errors quote it: say only where to look.
    const missingProfile = err instanceof Error && /^Profile '.*' not found/.test(err.message);
    throw new Error(missingProfile ? err.message : 'the Temporal config file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) could not be read');
  }
  const { address, tls, apiKey, metadata } = loaded.connectionOptions;
  return { address, namespace: loaded.namespace, connection: { tls, apiKey, metadata } };
}

/**
 * The options to connect with. An address given in code (an embedded dev server, a test's) wins
 * and goes alone: the configured TLS and key belong to the configured server.
 */
export function temporalConnectionOptions(settings: { address?: string; connection: TemporalSettings['connection'] }, address?: string): TemporalConnectionOptions {
  if (address) return { address };
  return { ...settings.connection, address: settings.address ?? LOCAL_TEMPORAL };
}
