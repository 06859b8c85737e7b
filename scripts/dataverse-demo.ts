import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID, startDataverseSim, type RunningDataverseSim } from '../dataverse-sim';
import { Secret, type DataverseSourceConfig } from '../profiles-source';
import type { ConnectionStore } from '../store/connections';
import type { ExportStore } from '../store/exports';
import { createDemoConnection } from './demo-setup';

export const DATAVERSE_DEMO_EXPORT_NAME = 'Customer Insights newsletter to Autopilot';

/** The Dataverse fake with its demo customers (30,000; 12,000 of them in Newsletter_Subscribers) on loopback. */
export async function startDataverseDemo(port: number): Promise<{ running: RunningDataverseSim; source: DataverseSourceConfig }> {
  const running = await startDataverseSim({ port, tenantId: DEMO_TENANT_ID, clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET });
  // What DATAVERSE_* would say for it: one origin is both the organization URI and the token endpoint.
  const source: DataverseSourceConfig = {
    kind: 'dataverse',
    organizationUrl: running.url,
    authorityUrl: running.url,
    tenantId: DEMO_TENANT_ID,
    clientId: DEMO_CLIENT_ID,
    clientSecret: new Secret(DEMO_CLIENT_SECRET),
  };
  return { running, source };
}

/**
 * An export of the fake's segments, by output name, mapped to its columns' attribute names, on the
 * first connection (the demo's). Created once; later starts find it by name.
 */
export async function setUpDataverseDemoExport(
  stores: { connections: ConnectionStore; exports: ExportStore },
  autopilot: { apiKey: string; baseUrl: string },
): Promise<{ exportId: string }> {
  const existing = (await stores.exports.list()).find((e) => e.displayName === DATAVERSE_DEMO_EXPORT_NAME);
  if (existing) return { exportId: existing.id };
  const [first] = await stores.connections.list();
  const connection = first ?? (await createDemoConnection(stores.connections, autopilot));
  const demo = await stores.exports.create({
    displayName: DATAVERSE_DEMO_EXPORT_NAME,
    connectionId: connection.id,
    segmentIds: ['Newsletter_Subscribers', 'High_Value_Customers'],
    mapping: {
      email: 'emailaddress',
      firstName: 'firstname',
      lastName: 'lastname',
      fields: { 'string--City': 'city', 'string--Tier': 'contoso_loyaltytier' },
    },
    schedule: null,
    profileLimit: 100_000,
    onLimitExceeded: 'fail',
    createdBy: 'admin',
  });
  return { exportId: demo.id };
}
