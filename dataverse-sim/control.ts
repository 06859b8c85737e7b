import { FaultSettingsSchema, type FaultSettings, type FaultSettingsInput } from './options';
import { emptyStats, type DataverseSimStats } from './stats';
import type { TokenStore } from './tokens';

/** In-process control of a running fake, for tests and demos. Not reachable over HTTP. */
export interface DataverseSimControl {
  stats(): DataverseSimStats;
  resetStats(): void;
  /** Every token issued so far expires now: the next request with one is answered 401. */
  expireTokens(): void;
  /** The next `count` data requests that pass the token and rate checks are answered `status`. */
  failNext(count: number, status?: 500 | 503): void;
  /** Merges into the current fault settings (rate limit, error rate); throws on invalid values. */
  setFaults(partial: FaultSettingsInput): void;
}

export interface ControlDeps {
  stats: DataverseSimStats;
  tokens: TokenStore;
  faults: { current: FaultSettings };
  pendingFailures: number[];
  resetThrottles: () => void;
}

export function createControl(deps: ControlDeps): DataverseSimControl {
  return {
    stats: () => ({ ...deps.stats, byTable: { ...deps.stats.byTable } }),
    resetStats: () => void Object.assign(deps.stats, emptyStats()),
    expireTokens: () => deps.tokens.expireAll(),
    failNext: (count, status = 503) => deps.pendingFailures.push(...Array.from({ length: count }, () => status)),
    setFaults(partial) {
      deps.faults.current = FaultSettingsSchema.parse({ ...deps.faults.current, ...partial });
      deps.resetThrottles();
    },
  };
}
