import { createOutboundPolicy } from '../../../outbound/policy';
import { DataverseClient, type DataverseClientOptions } from '../../../profiles-source/dataverse/client';
import { DataverseProfileSource } from '../../../profiles-source/dataverse/source';
import { startDataverseSim, type RunningDataverseSim, type StartDataverseSimOptions } from '../../../dataverse-sim';

export const TENANT_ID = '3f1c2b9a-0000-4000-8000-0000000000aa';
export const CLIENT_ID = '6a2d9e1f-0000-4000-8000-0000000000bb';
export const CLIENT_SECRET = 'Xq8~sEcReT-value-that-must-never-leak';

export interface Harness {
  running: RunningDataverseSim;
  client: DataverseClient;
  source: DataverseProfileSource;
  /** Another client and source on the same fake, e.g. a worker resuming a read. */
  another(overrides?: Partial<DataverseClientOptions>): { client: DataverseClient; source: DataverseProfileSource };
  close(): Promise<void>;
}

/** Customers c-01…c-NN; every one in segment "All", the odd ones in "Odd", every tenth has no email. */
export function testCustomers(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    return {
      id: `c-${n}`,
      segments: ['All', ...(i % 2 === 0 ? ['Odd'] : [])],
      columns: { msdynci_firstname: `First${n}`, msdynci_emailaddress: i % 10 === 9 ? null : `user${n}@example.com`, contoso_tier: 'Gold' },
    };
  });
}

/** The fake on an ephemeral loopback port, and a real client and source pointed at it. */
export async function startHarness(simOptions: StartDataverseSimOptions = {}, clientOptions: Partial<DataverseClientOptions> = {}): Promise<Harness> {
  const running = await startDataverseSim({ tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, customers: testCustomers(23), ...simOptions });
  const created: DataverseClient[] = [];
  const another = (overrides: Partial<DataverseClientOptions> = {}) => {
    const client = new DataverseClient({
      organizationUrl: running.url,
      authorityUrl: running.url,
      tenantId: TENANT_ID,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      outbound: createOutboundPolicy(['127.0.0.1']),
      timeoutMs: 5_000,
      retryBaseDelayMs: 5,
      ...clientOptions,
      ...overrides,
    });
    created.push(client);
    return { client, source: new DataverseProfileSource(client) };
  };
  const { client, source } = another();
  return {
    running,
    client,
    source,
    another,
    close: async () => {
      created.forEach((c) => c.close());
      await running.close();
    },
  };
}

/** Resolves to the rejection reason; fails the test if the promise resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

/** A segment read to its end, page by page, as a run reads it: each page's profile ids. */
export async function readPages(h: Harness, segment: string, pageSize: number, from: string | null = null): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor = from;
  do {
    const page = await h.source.readMembers(segment, cursor, pageSize);
    pages.push(page.profileIds);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

/** Every profile id of a segment, in the order read. */
export const readAll = async (h: Harness, segment = 'All', pageSize = 5): Promise<string[]> => (await readPages(h, segment, pageSize)).flat();
