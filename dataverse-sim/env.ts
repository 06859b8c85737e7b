import { z } from 'zod';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID } from './options';
import type { StartDataverseSimOptions } from './server';

/** The fake's environment. Every value is a local-dev default; the demo credentials open only the fake. */
export const SimEnvSchema = z.object({
  DATAVERSE_SIM_PORT: z.coerce.number().int().min(0).max(65_535).default(8790),
  DATAVERSE_SIM_HOST: z.string().min(1).default('127.0.0.1'),
  DATAVERSE_SIM_TENANT_ID: z.string().min(1).default(DEMO_TENANT_ID),
  DATAVERSE_SIM_CLIENT_ID: z.string().min(1).default(DEMO_CLIENT_ID),
  DATAVERSE_SIM_CLIENT_SECRET: z.string().min(1).default(DEMO_CLIENT_SECRET),
  DATAVERSE_SIM_TOKEN_LIFETIME_S: z.coerce.number().int().positive().default(3_599),
  DATAVERSE_SIM_CUSTOMERS: z.coerce.number().int().min(0).default(30_000),
  /** `N/ms`: at most N served requests per client in any window of ms, e.g. `6000/300000` (Dataverse's). */
  DATAVERSE_SIM_RATE_LIMIT: z
    .string()
    .regex(/^\d+\/\d+$/, 'expected requests/windowMs like "6000/300000"')
    .transform((text) => {
      const [requests, windowMs] = text.split('/').map(Number);
      return { requests, windowMs };
    })
    .pipe(z.object({ requests: z.number().int().positive(), windowMs: z.number().int().positive() }))
    .optional(),
  DATAVERSE_SIM_ERROR_RATE: z.coerce.number().min(0).max(1).default(0),
  DATAVERSE_SIM_SEED: z.coerce.number().int().default(7),
});

export type SimEnvResult = { ok: true; options: StartDataverseSimOptions } | { ok: false; problems: string };

/** Reads the fake's options from an env object (passed in, so tests never touch process.env). */
export function loadSimEnv(env: Record<string, string | undefined>): SimEnvResult {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('DATAVERSE_SIM_') && v !== ''));
  const parsed = SimEnvSchema.safeParse(present);
  if (!parsed.success) return { ok: false, problems: z.prettifyError(parsed.error) };
  const e = parsed.data;
  return {
    ok: true,
    options: {
      port: e.DATAVERSE_SIM_PORT,
      host: e.DATAVERSE_SIM_HOST,
      tenantId: e.DATAVERSE_SIM_TENANT_ID,
      clientId: e.DATAVERSE_SIM_CLIENT_ID,
      clientSecret: e.DATAVERSE_SIM_CLIENT_SECRET,
      tokenLifetimeSeconds: e.DATAVERSE_SIM_TOKEN_LIFETIME_S,
      demoCustomers: e.DATAVERSE_SIM_CUSTOMERS,
      seed: e.DATAVERSE_SIM_SEED,
      faults: { rateLimit: e.DATAVERSE_SIM_RATE_LIMIT ?? null, errorRate: e.DATAVERSE_SIM_ERROR_RATE },
    },
  };
}
