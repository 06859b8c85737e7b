import { z } from 'zod';

/** Demo credentials of the fake; obviously not secrets (they only open the fake). */
export const DEMO_TENANT_ID = '00000000-0000-4000-8000-00000000da7a';
export const DEMO_CLIENT_ID = '11111111-1111-4111-8111-111111111111';
export const DEMO_CLIENT_SECRET = 'demo-client-secret-for-the-local-dataverse-fake';

/** Dataverse's largest page, also its default when no `odata.maxpagesize` is asked for. */
export const MAX_PAGE_SIZE = 5_000;

const rateLimit = z.object({
  /** Served requests per client in any sliding window before it is answered 429. */
  requests: z.number().int().positive(),
  windowMs: z.number().int().positive(),
});

export const FaultSettingsSchema = z.object({
  /** Off by default (null). Dataverse's real limit is 6,000 requests per user in 5 minutes. */
  rateLimit: rateLimit.nullable().default(null),
  /** Share of data requests answered 503 (after the token and rate checks). */
  errorRate: z.number().min(0).max(1).default(0),
});
export type FaultSettings = z.output<typeof FaultSettingsSchema>;
export type FaultSettingsInput = z.input<typeof FaultSettingsSchema>;

export const DataverseSimOptionsSchema = z.object({
  tenantId: z.string().min(1).default(DEMO_TENANT_ID),
  clientId: z.string().min(1).default(DEMO_CLIENT_ID),
  clientSecret: z.string().min(1).default(DEMO_CLIENT_SECRET),
  /** Lifetime of issued tokens; Entra's are about an hour. */
  tokenLifetimeSeconds: z.number().int().positive().default(3_599),
  /** Demo customers to generate (see data.ts); ignored when `customers` is given. */
  demoCustomers: z.number().int().min(0).default(30_000),
  /** Explicit customer rows (`msdynci_customerid` plus columns) and their segments, for tests. */
  customers: z
    .array(z.object({ id: z.string().min(1), segments: z.array(z.string().min(1)), columns: z.record(z.string(), z.unknown()) }))
    .optional(),
  seed: z.number().int().default(7),
  faults: FaultSettingsSchema.default(FaultSettingsSchema.parse({})),
});
export type DataverseSimOptions = z.output<typeof DataverseSimOptionsSchema>;
export type DataverseSimOptionsInput = z.input<typeof DataverseSimOptionsSchema>;

export function parseSimOptions(input: DataverseSimOptionsInput = {}): DataverseSimOptions {
  const result = DataverseSimOptionsSchema.safeParse(input);
  if (!result.success) throw new Error(`Invalid Dataverse fake options:\n${z.prettifyError(result.error)}`);
  return result.data;
}
