import { z } from 'zod';
import { AUTOPILOT_REQUESTS_PER_SECOND } from '../autopilot/contract';
import { DEMO_API_KEY, type FaultOptionsInput } from './options';
import type { StartAutopilotSimOptions } from './server';

const share = z.coerce.number().min(0).max(1).default(0);

/** `100-300` → [100, 300]; `50` → 50. */
const latency = z
  .string()
  .trim()
  .regex(/^\d+(-\d+)?$/, 'expected milliseconds like "50" or a range like "100-300"')
  .transform((text): number | [number, number] => {
    const [min, max] = text.split('-').map(Number);
    return max === undefined ? min : [min, max];
  })
  .refine((v) => typeof v === 'number' || v[0] <= v[1], 'range must be min-max with min <= max');

/** The simulator's environment. Every value is a local-dev default; the demo key is not a secret. */
export const SimEnvSchema = z.object({
  AUTOPILOT_SIM_PORT: z.coerce.number().int().min(0).max(65_535).default(8787),
  AUTOPILOT_SIM_HOST: z.string().min(1).default('127.0.0.1'),
  AUTOPILOT_SIM_KEYS: z
    .string()
    .transform((text) => text.split(',').map((k) => k.trim()).filter(Boolean))
    .pipe(z.array(z.string()).min(1, 'at least one key is required'))
    .default([DEMO_API_KEY]),
  AUTOPILOT_SIM_RATE_LIMIT: z.coerce.number().int().min(0).default(AUTOPILOT_REQUESTS_PER_SECOND),
  AUTOPILOT_SIM_RETRY_AFTER: z.stringbool().default(false),
  AUTOPILOT_SIM_LATENCY_MS: latency.optional(),
  AUTOPILOT_SIM_ERROR_RATE: share,
  AUTOPILOT_SIM_TIMEOUT_RATE: share,
  AUTOPILOT_SIM_TIMEOUT_HOLD_MS: z.coerce.number().int().min(0).default(35_000),
  AUTOPILOT_SIM_SEED: z.coerce.number().int().optional(),
});

export type SimEnvResult = { ok: true; options: StartAutopilotSimOptions } | { ok: false; problems: string };

/** Reads simulator options from an env object (passed in, so tests never touch process.env). */
export function loadSimEnv(env: Record<string, string | undefined>): SimEnvResult {
  const present = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('AUTOPILOT_SIM_') && v !== ''));
  const parsed = SimEnvSchema.safeParse(present);
  // prettifyError names the variable and the rule, never the value, so keys are not printed.
  if (!parsed.success) return { ok: false, problems: z.prettifyError(parsed.error) };
  const e = parsed.data;
  const faults: FaultOptionsInput = {
    latencyMs: e.AUTOPILOT_SIM_LATENCY_MS ?? 0,
    errorRate: e.AUTOPILOT_SIM_ERROR_RATE,
    timeoutRate: e.AUTOPILOT_SIM_TIMEOUT_RATE,
    timeoutHoldMs: e.AUTOPILOT_SIM_TIMEOUT_HOLD_MS,
  };
  return {
    ok: true,
    options: {
      port: e.AUTOPILOT_SIM_PORT,
      host: e.AUTOPILOT_SIM_HOST,
      keys: e.AUTOPILOT_SIM_KEYS,
      rateLimit: e.AUTOPILOT_SIM_RATE_LIMIT,
      retryAfterHeader: e.AUTOPILOT_SIM_RETRY_AFTER,
      seed: e.AUTOPILOT_SIM_SEED,
      faults,
    },
  };
}
