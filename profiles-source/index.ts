import type { OutboundPolicy } from '../outbound/policy';
import type { Db } from '../store/db';
import { BuiltinProfileSource } from './builtin';
import type { ProfileSourceConfig } from './config';
import { DataverseClient, type DataverseClientOptions } from './dataverse/client';
import { DataverseProfileSource, type DataverseSourceOptions } from './dataverse/source';
import type { ProfileSource } from './source';

export { BuiltinProfileSource } from './builtin';
export { loadProfileSourceConfig, profileSourceHosts, ProfileSourceConfigError, Secret } from './config';
export type { DataverseSourceConfig, ProfileSourceConfig } from './config';
export { DataverseClient, DEFAULT_AUTHORITY_URL, MAX_PAGE_SIZE } from './dataverse/client';
export { DataverseError } from './dataverse/errors';
export { DataverseProfileSource } from './dataverse/source';
export { ProfileSourceError } from './source';
export type { FetchProfilesOptions, MembersPage, ProfileSource, ProfileSourceErrorKind, SegmentList, SourceField, SourceProfile, SourceSegment } from './source';

export interface ProfileSourceDeps {
  /** The built-in store (used when the source is `builtin`). */
  db: Db;
  /** The outbound rules Dataverse calls must obey; its allow-list must hold {@link profileSourceHosts}. */
  outbound: OutboundPolicy;
  /** Tuning of the Dataverse client and source (timeouts, retries); for tests. */
  dataverse?: Partial<Omit<DataverseClientOptions, 'outbound'>> & DataverseSourceOptions;
}

/** The configured source. Throws a non-retryable `config` error when Dataverse's addresses are not allowed. */
export function createProfileSource(config: ProfileSourceConfig, deps: ProfileSourceDeps): ProfileSource {
  if (config.kind === 'builtin') return new BuiltinProfileSource(deps.db);
  const { listScanPages, listCacheMs, ...tuning } = deps.dataverse ?? {};
  const client = new DataverseClient({
    organizationUrl: config.organizationUrl,
    tenantId: config.tenantId,
    clientId: config.clientId,
    clientSecret: config.clientSecret.reveal(),
    authorityUrl: config.authorityUrl,
    ...tuning,
    outbound: deps.outbound,
  });
  return new DataverseProfileSource(client, { listScanPages, listCacheMs, now: tuning.now });
}
