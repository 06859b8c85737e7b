import { z } from 'zod';
import { hostOf } from '../outbound/policy';
import { isAllowedAuthorityHost, MICROSOFT_AUTHORITY_HOSTS } from './authority-hosts';
import { DEFAULT_AUTHORITY_URL } from './dataverse/client';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A tenant is named by its id (a GUID) or one of its domains (contoso.onmicrosoft.com).
const TENANT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(\.[a-z0-9-]+)+)$/i;

/** An origin only: the organization URI and the authority are bases that paths are appended to. */
const origin = z
  .url({ protocol: /^https?$/ })
  .refine((text) => /^[a-z]+:\/\/[^/?#]+\/?$/i.test(text), 'must be an origin like https://contoso.crm.dynamics.com, without a path')
  .transform((text) => text.replace(/\/+$/, ''));

const sourceSchema = z.object({ PROFILE_SOURCE: z.enum(['builtin', 'dataverse']).default('builtin') });

const dataverseSchema = z.object({
  DATAVERSE_URL: origin,
  DATAVERSE_TENANT_ID: z.string().regex(TENANT, 'must be the tenant id (a GUID) or a domain of the tenant'),
  DATAVERSE_CLIENT_ID: z.string().regex(GUID, "must be the app registration's application (client) id, a GUID"),
  DATAVERSE_CLIENT_SECRET: z.string().min(1, 'is required (a client secret of the app registration)'),
  DATAVERSE_AUTHORITY_URL: origin.default(DEFAULT_AUTHORITY_URL),
  DATAVERSE_ALLOWED_AUTHORITY_HOSTS: z
    .string()
    .optional()
    .transform((text) => text?.split(',') ?? []),
});

/** Every variable the profile source reads. */
export const PROFILE_SOURCE_VARIABLES = [...Object.keys(sourceSchema.shape), ...Object.keys(dataverseSchema.shape)];

/**
 * A secret kept out of logs, JSON and `util.inspect`: only {@link reveal} gives the value, so a
 * configuration object can be logged or passed around without leaking it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}

export interface DataverseSourceConfig {
  kind: 'dataverse';
  /** The organization URI, e.g. https://contoso.crm.dynamics.com. */
  organizationUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: Secret;
  authorityUrl: string;
}

export type ProfileSourceConfig = { kind: 'builtin' } | DataverseSourceConfig;

export class ProfileSourceConfigError extends Error {
  override name = 'ProfileSourceConfigError';
}

/**
 * Reads `PROFILE_SOURCE` (`builtin`, the default, or `dataverse`) and, for Dataverse, `DATAVERSE_URL`,
 * `DATAVERSE_TENANT_ID`, `DATAVERSE_CLIENT_ID`, `DATAVERSE_CLIENT_SECRET`, `DATAVERSE_AUTHORITY_URL` and
 * `DATAVERSE_ALLOWED_AUTHORITY_HOSTS`. Blank values count as unset. Errors name the variables and
 * rules, and an authority's host, never the other values.
 */
export function loadProfileSourceConfig(env: Record<string, string | undefined> = process.env): ProfileSourceConfig {
  const present = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => !!entry[1]?.trim()));
  const { PROFILE_SOURCE } = parseOrThrow(sourceSchema, present);
  if (PROFILE_SOURCE === 'builtin') return { kind: 'builtin' };
  const e = parseOrThrow(dataverseSchema, present);
  checkAuthority(e.DATAVERSE_AUTHORITY_URL, e.DATAVERSE_ALLOWED_AUTHORITY_HOSTS);
  return {
    kind: 'dataverse',
    organizationUrl: e.DATAVERSE_URL,
    tenantId: e.DATAVERSE_TENANT_ID,
    clientId: e.DATAVERSE_CLIENT_ID,
    clientSecret: new Secret(e.DATAVERSE_CLIENT_SECRET),
    authorityUrl: e.DATAVERSE_AUTHORITY_URL,
  };
}

/** Hosts the outbound allow-list must hold for this source: the organization URI's and the authority's. */
export function profileSourceHosts(config: ProfileSourceConfig): string[] {
  return config.kind === 'dataverse' ? [...new Set([hostOf(config.organizationUrl), hostOf(config.authorityUrl)])] : [];
}

/** The client secret goes to the authority: a mistyped host must fail here, not receive it. */
function checkAuthority(authorityUrl: string, allowed: string[]): void {
  const host = hostOf(authorityUrl);
  if (isAllowedAuthorityHost(host, allowed)) return;
  throw new ProfileSourceConfigError(
    `Invalid profile source configuration:\n✖ DATAVERSE_AUTHORITY_URL: ${host} is not a Microsoft identity host ` +
      `(${MICROSOFT_AUTHORITY_HOSTS.join(', ')}), and the client secret is sent to it. ` +
      'Correct the address, or list the host in DATAVERSE_ALLOWED_AUTHORITY_HOSTS if it is meant to sign the app in (e.g. a local fake).',
  );
}

function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  // reportInput stays off, so zod never copies a value (the secret) into the message.
  if (!parsed.success) throw new ProfileSourceConfigError(`Invalid profile source configuration:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
