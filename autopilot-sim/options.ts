import { z } from 'zod';
import { AUTOPILOT_REQUESTS_PER_SECOND } from '../autopilot/contract';

/** The key the simulator accepts when none is configured. 32 hex chars, like a real key, and obviously fake. */
export const DEMO_API_KEY = 'deadbeefdeadbeefdeadbeefdeadbeef';

const rate = z.number().min(0).max(1);

const regexSource = z.string().refine(
  (source) => {
    try {
      new RegExp(source, 'i');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

const latency = z.union([
  z.number().min(0),
  z
    .tuple([z.number().min(0), z.number().min(0)])
    .refine(([min, max]) => min <= max, { message: 'latency range must be [min, max] with min <= max' }),
]);

/**
 * Behaviours a test may switch at runtime with `SimControl.setFaults`. All are off by default,
 * except that contacts with a syntactically invalid Email are always refused.
 */
export const FaultOptionsSchema = z.object({
  /** Delay before answering, fixed or uniformly drawn from [min, max]. */
  latencyMs: latency.default(0),
  /** Share of served requests answered 500 `Simulated failure.`. */
  errorRate: rate.default(0),
  /** Share of served requests answered 500 with an empty body. */
  emptyBodyErrorRate: rate.default(0),
  /** Share of served requests that are processed (upserts applied), then held `timeoutHoldMs`, then answered 408. */
  timeoutRate: rate.default(0),
  timeoutHoldMs: z.number().int().min(0).default(35_000),
  /** After every `every` served requests of a key, answer its next `length` requests 429. */
  burst429: z.object({ every: z.number().int().positive(), length: z.number().int().positive() }).optional(),
  /** Extra emails to refuse in `POST /contacts`: a regex source (case-insensitive) or a list of addresses. */
  refuseEmails: z.union([regexSource, z.array(z.string())]).optional(),
  /** If any contact's Email matches (regex source, case-insensitive), the whole request is 400 and nothing is stored. */
  rejectBatchIfEmailMatches: regexSource.optional(),
});
export type FaultOptions = z.output<typeof FaultOptionsSchema>;
export type FaultOptionsInput = z.input<typeof FaultOptionsSchema>;

export const AutopilotSimOptionsSchema = z.object({
  /** API keys accepted; each key is its own account. */
  keys: z.array(z.string().min(1)).default([DEMO_API_KEY]),
  /** Accept any key as an account of its own (revoked ones excepted): for fuzzing, where keys are generated. */
  acceptAnyKey: z.boolean().default(false),
  /** Served requests per key in any sliding second; 0 turns the limit off. */
  rateLimit: z.number().int().min(0).default(AUTOPILOT_REQUESTS_PER_SECOND),
  /** Send `Retry-After: 1` on 429s (real Autopilot is not known to send it). */
  retryAfterHeader: z.boolean().default(false),
  /** What `POST /list` does with a name that exists: 409 (2015 doc) or create another list. */
  duplicateListNames: z.enum(['conflict', 'create']).default('conflict'),
  /** Seed for the fault dice; random when absent. */
  seed: z.number().int().optional(),
  /** Answer of `GET /account`. */
  account: z
    .object({ fullName: z.string(), email: z.string() })
    .default({ fullName: 'Demo Account Holder', email: 'owner@demo-account.test' }),
  faults: FaultOptionsSchema.default(FaultOptionsSchema.parse({})),
});
export type AutopilotSimOptions = z.output<typeof AutopilotSimOptionsSchema>;
export type AutopilotSimOptionsInput = z.input<typeof AutopilotSimOptionsSchema>;

/** Parses options, throwing a readable error (no secrets in it: keys are not echoed by zod). */
export function parseSimOptions(input: AutopilotSimOptionsInput = {}): AutopilotSimOptions {
  const result = AutopilotSimOptionsSchema.safeParse(input);
  if (!result.success) throw new Error(`Invalid Autopilot simulator options:\n${z.prettifyError(result.error)}`);
  return result.data;
}

/** Keys are secrets even in a simulator: outputs name them by their last four characters. */
export function keyLabel(key: string): string {
  return key.slice(-4);
}
