import type { DestinationKind } from './port';

/** What of a connection says where its requests go. */
export interface ConnectionAddress {
  baseUrl: string | null;
  region?: string | null;
}

/**
 * Where a connection's requests go: its own base URL (a simulator, a proxy), else its region's host
 * (a key works only in its own region), else the deployment's default for the platform, else the
 * platform's own.
 */
export function baseUrlOf(kind: DestinationKind, connection: ConnectionAddress, deploymentDefault?: string): string {
  const regional = connection.region ? kind.regions?.[connection.region] : undefined;
  return connection.baseUrl ?? regional ?? deploymentDefault ?? kind.defaultBaseUrl;
}

/** Why a connection of this platform cannot name this region, or undefined when it can. */
export function invalidRegion(kind: DestinationKind, region: string): string | undefined {
  const regions = Object.keys(kind.regions ?? {});
  if (regions.length === 0) return `${kind.label} connections have no region`;
  return regions.includes(region) ? undefined : `${kind.label}'s regions are ${regions.join(', ')}`;
}

