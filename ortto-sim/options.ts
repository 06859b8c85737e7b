import { z } from 'zod';
import { ORTTO_REQUESTS_PER_SECOND } from '../ortto/contract';

/** The key the simulator accepts when none is configured: shaped like a private key, and obviously fake. */
export const ORTTO_DEMO_API_KEY = 'PRV-demo-ortto-simulator-key-0000';

const CustomFieldSeed = z.object({ name: z.string().min(1), type: z.string().min(1) });

export const OrttoSimOptionsSchema = z.object({
  /** Private keys accepted, each its own account; any host (region) is served. */
  keys: z.array(z.string().min(1)).default([ORTTO_DEMO_API_KEY]),
  /** Served requests per key in any sliding second; 0 turns the limit off. */
  rateLimit: z.number().int().min(0).default(ORTTO_REQUESTS_PER_SECOND),
  /** Ortto's bad-request limiter: `count` bad requests (400s, refused keys) within `windowMs` ban the sender for `banMs`. */
  badRequestBan: z
    .object({ count: z.number().int().positive(), windowMs: z.number().int().positive(), banMs: z.number().int().positive() })
    .default({ count: 15, windowMs: 15_000, banMs: 15_000 }),
  /** Custom person fields every account starts with (`{name: 'Visits', type: 'integer'}` → `int:cm:visits`). */
  customFields: z.array(CustomFieldSeed).default([]),
  /** Emails every account has suppressed: merges answer them `suppressed`. */
  suppressed: z.array(z.string()).default([]),
  /** After every `every` served requests of a key, answer its next `length` requests 429 (try in one second). */
  burst429: z.object({ every: z.number().int().positive(), length: z.number().int().positive() }).optional(),
});
export type OrttoSimOptions = z.output<typeof OrttoSimOptionsSchema>;
export type OrttoSimOptionsInput = z.input<typeof OrttoSimOptionsSchema>;

/** Parses options, throwing a readable error (keys are not echoed by zod). */
export function parseOrttoSimOptions(input: OrttoSimOptionsInput = {}): OrttoSimOptions {
  const result = OrttoSimOptionsSchema.safeParse(input);
  if (!result.success) throw new Error(`Invalid Ortto simulator options:\n${z.prettifyError(result.error)}`);
  return result.data;
}
