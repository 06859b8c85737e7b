import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_AUTOPILOT_BASE_URL } from '../autopilot';
import { DEFAULT_TASK_QUEUE } from '../domain/ids';
import { ORTTO_BASE_URLS } from '../ortto/contract';
import { hostOf } from '../outbound/policy';
import { loadProfileSourceConfig, ProfileSourceConfigError, type ProfileSourceConfig } from '../profiles-source/config';
import { strongSecretsKey } from './secrets-key';
import { parseTrustedProxies, type ProxyRange } from './trusted-proxies';
import { loadTemporalSettings, type TemporalSettings } from './temporal';

/**
 * One entry of OUTBOUND_ALLOWED_HOSTS: `host`, `*.domain`, or `http://host` (a name or an address,
 * no wildcard, no port) for a host of your own network without TLS (outbound/policy.ts).
 */
const ALLOWED_HOST = /(?:http:\/\/(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)|[A-Za-z0-9.*:[\]-]+)/;
const ALLOWED_HOSTS = new RegExp(`^${ALLOWED_HOST.source}(?:,${ALLOWED_HOST.source})*$`);

/** Every variable the processes read. Secrets have no defaults, and their values never reach a message. */
const envSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  TEMPORAL_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  SECRETS_KEY: strongSecretsKey.optional(),
  AUTOPILOT_BASE_URL: z.url().default(DEFAULT_AUTOPILOT_BASE_URL),
  DESTINATION_QUEUE_RATE_LIMIT: z.coerce.number().positive().max(100_000).optional(),
  DESTINATION_TIMEOUT_MS: z.coerce.number().int().positive().max(15_000).default(15_000),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
  RUN_DETAILS_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(30),
  RUN_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  WORKER_HEALTH_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  PUBLIC_URL: z.url().optional(),
  SCHEDULE_MIN_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  OUTBOUND_ALLOWED_HOSTS: z
    .string()
    .regex(ALLOWED_HOSTS, 'must be host names (or *.domain, or http://host for a host of your own network without TLS), comma-separated')
    .optional(),
  /** Reverse proxies (IPs or CIDR ranges) whose X-Forwarded-For is believed; none by default. */
  TRUSTED_PROXIES: z
    .string()
    .transform((list, ctx) => {
      try {
        return parseTrustedProxies(list);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `must be IP addresses or CIDR ranges, comma-separated: ${(err as Error).message}` });
        return z.NEVER;
      }
    })
    .default([]),
});

export type Env = z.infer<typeof envSchema>;

/** The names loadConfig reads itself (Temporal's client settings and the profile source's are read by their own modules). */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);

export interface Config {
  /** `address`, `namespace` and `connection` (TLS, API key, gRPC metadata) as Temporal's environment conventions give them (config/temporal.ts). */
  temporal: { address?: string; namespace: string; connection: TemporalSettings['connection']; taskQueue: string; workflowBundle?: string };
  /** `healthPort`: where a worker process answers GET /health (compose's health check); none when unset. */
  worker: { healthPort?: number };
  store: { url?: string; dataDir: string };
  secretsKey?: Buffer;
  /** Where Autopilot connections without a base URL of their own send. */
  autopilot: { baseUrl: string };
  /**
   * `queueRateLimit`: an optional ceiling on destination activities per second across the deployment
   * (none by default: each key's budget is what limits its requests); `timeoutMs`: one request's.
   */
  destinations: { queueRateLimit?: number; timeoutMs: number };
  /** `sweepIntervalMs`: how often runs whose workflow ended without closing them are reconciled with Temporal. */
  /** `publicUrl`: where people reach the API (alerts link to runs there); `http://localhost:<PORT>` by default. */
  /** `trustedProxies`: peers whose X-Forwarded-For names the client (the right-most entry that is not one of them). */
  api: { port: number; adminToken?: string; sweepIntervalMs: number; publicUrl: string; minScheduleIntervalMinutes: number; trustedProxies: ProxyRange[] };
  /** `runDetailsDays`: runs that finished longer ago lose their per-profile details (summaries stay). */
  retention: { runDetailsDays: number };
  /** Hosts outbound calls (Autopilot, alert webhooks) may go to. */
  outbound: { allowedHosts: string[] };
  /** Where profiles are read from (PROFILE_SOURCE, DATAVERSE_*); its secret stays wrapped (see Secret). */
  profileSource: ProfileSourceConfig;
  dataDir: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once; on error says which variables are wrong, never their values. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const blankless = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
  const parsed = envSchema.safeParse(blankless);
  if (!parsed.success) throw new ConfigError(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  const temporal = temporalSettingsOrThrow(blankless);
  const profileSource = profileSourceOrThrow(blankless);
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    temporal: {
      address: temporal.address,
      namespace: temporal.namespace ?? e.TEMPORAL_NAMESPACE,
      connection: temporal.connection,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      workflowBundle: e.TEMPORAL_WORKFLOW_BUNDLE && path.resolve(e.TEMPORAL_WORKFLOW_BUNDLE),
    },
    store: { url: e.DATABASE_URL, dataDir: path.join(dataDir, 'pglite') },
    secretsKey: e.SECRETS_KEY ? Buffer.from(e.SECRETS_KEY, 'base64') : undefined,
    autopilot: { baseUrl: e.AUTOPILOT_BASE_URL },
    destinations: { queueRateLimit: e.DESTINATION_QUEUE_RATE_LIMIT, timeoutMs: e.DESTINATION_TIMEOUT_MS },
    api: {
      port: e.PORT,
      adminToken: e.ADMIN_TOKEN,
      sweepIntervalMs: e.RUN_SWEEP_INTERVAL_MS,
      publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}`,
      minScheduleIntervalMinutes: e.SCHEDULE_MIN_INTERVAL_MINUTES,
      trustedProxies: e.TRUSTED_PROXIES,
    },
    retention: { runDetailsDays: e.RUN_DETAILS_RETENTION_DAYS },
    worker: { healthPort: e.WORKER_HEALTH_PORT },
    outbound: {
      // By default Autopilot's own host, Ortto's regional hosts, and that of AUTOPILOT_BASE_URL when it is set.
      allowedHosts:
        e.OUTBOUND_ALLOWED_HOSTS?.split(',') ??
        [...new Set([hostOf(DEFAULT_AUTOPILOT_BASE_URL), ...Object.values(ORTTO_BASE_URLS).map(hostOf), hostOf(e.AUTOPILOT_BASE_URL)])],
    },
    profileSource,
    dataDir,
  };
}

function profileSourceOrThrow(env: Record<string, string>): ProfileSourceConfig {
  try {
    return loadProfileSourceConfig(env);
  } catch (err) {
    if (!(err instanceof ProfileSourceConfigError)) throw err;
    throw new ConfigError(err.message);
  }
}

function temporalSettingsOrThrow(env: Record<string, string>): TemporalSettings {
  try {
    return loadTemporalSettings(env);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n${(err as Error).message}`);
  }
}

/** For entry points: print what is wrong and exit non-zero. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}

/** For the standalone worker and API processes, which cannot generate the key that seals API keys. */
export function requireSecretsKey(config: Config): Buffer {
  if (config.secretsKey) return config.secretsKey;
  console.error("SECRETS_KEY is required: it seals and opens the connections' API keys");
  process.exit(1);
}
