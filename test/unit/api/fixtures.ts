import { GOOD_KEY, json, type Harness } from './harness';

export const connectionBody = (h: Harness, overrides: Record<string, unknown> = {}) => ({
  displayName: 'Autopilot newsletter (EU)',
  apiKey: GOOD_KEY,
  usableBy: 'admins_and_contributors',
  privacyConsent: true,
  baseUrl: h.sim.url,
  ...overrides,
});

export const exportBody = (connectionId: string, overrides: Record<string, unknown> = {}) => ({
  displayName: 'VIP to Autopilot',
  connectionId,
  segmentIds: ['VIP'],
  mapping: { email: 'EmailAddress', firstName: 'FirstName', lastName: 'LastName', fields: { Company: 'Company' } },
  ...overrides,
});

/** Creates a connection through the API (as the admin) and returns its id. */
export async function createConnection(h: Harness, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await h.call('admin', 'POST', '/connections', connectionBody(h, overrides));
  if (res.status !== 201) throw new Error(`connection not created: ${res.status} ${await res.text()}`);
  return (await json(res)).id;
}

/** Creates an export through the API and returns its id. */
export async function createExport(
  h: Harness,
  connectionId: string,
  overrides: Record<string, unknown> = {},
  as: 'admin' | 'contributor' = 'admin',
): Promise<string> {
  const res = await h.call(as, 'POST', '/exports', exportBody(connectionId, overrides));
  if (res.status !== 201) throw new Error(`export not created: ${res.status} ${await res.text()}`);
  return (await json(res)).id;
}
