/** Pure types and rules of an export run. Imported by workflows: no I/O, no Node built-ins. */

/** The product's ceiling on profiles per export. */
export const MAX_PROFILES_PER_EXPORT = 100_000;

/** Which profile attribute feeds which destination field. Attribute names only, never values. */
export interface FieldMapping {
  email: string;
  firstName?: string;
  lastName?: string;
  /** Destination field (Autopilot: `Company`, or a custom `string--Plan--Tier`) → profile attribute. */
  fields?: Record<string, string>;
}

export type OnLimitExceeded = 'fail' | 'send_first';

export interface RunTrigger {
  kind: 'manual' | 'schedule';
  /** User name the run is attributed to. */
  by?: string;
}

/** What an export's webhook can be told: a run ended, was skipped, or waits for a person. */
export const ALERT_EVENTS = ['completed', 'failed', 'cancelled', 'skipped', 'blocked'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** The non-secret settings of an export, frozen when a run starts. */
export interface ExportSettings {
  exportId: string;
  connectionId: string;
  segmentIds: string[];
  mapping: FieldMapping;
  profileLimit: number;
  onLimitExceeded: OnLimitExceeded;
  /** The events its webhook wants (never the webhook itself); none when absent. */
  alertEvents?: AlertEvent[];
  /** Where its profiles are read from; the built-in store when absent. */
  source?: ProfileSourceKind;
  /** The sync mode; `full` when absent. */
  mode?: SyncMode;
  /** Mirror mode: take memberships the engine delivered off the list once they leave the segment. */
  removeWhenLeaving?: boolean;
  /** A run that would remove more than this share of a list waits for an admin's approval (0–1). */
  maxRemovalShare?: number;
  /** Plan and report only: nothing is sent, the sync state stays as it was. */
  dryRun?: boolean;
  /** A re-drive: only this run's rejected, parked (and, if it did not complete, pending) profiles. */
  redriveOf?: string;
}

export type ProfileSourceKind = 'builtin' | 'dataverse';

/** `incremental`: send only (email, list) pairs that are new, changed or not exported last time. */
export type SyncMode = 'incremental' | 'full';
export const DEFAULT_MAX_REMOVAL_SHARE = 0.1;
/** A list whose removals are over the export's share: what an admin approves. */
export interface RemovalGateList {
  segmentId: string;
  removals: number;
  /** Memberships of the list this engine delivered, before the run. */
  members: number;
}

/** Why a run planned no removal of a membership that left its segment (mirror mode). */
export const RemovalHeld = {
  /** The run is full because the export's mapping, segments or connection changed: "left" may mean only that. */
  SETTINGS_CHANGED: 'settings changed',
  /** Another export holds it as delivered to the same list. */
  DELIVERED_BY_ANOTHER_EXPORT: 'delivered by another export',
} as const;

/** Runs in a row the destination must reject a delivery before it is parked. */
export const PARK_AFTER_REJECTED_RUNS = 3;

export const SkipReason = {
  NO_EMAIL: 'no email',
  INVALID_EMAIL: 'invalid email',
  DUPLICATE_EMAIL: 'duplicate email',
  OVER_LIMIT: 'over limit',
  /** Delivered as it is now by an earlier run (incremental mode). */
  UNCHANGED: 'unchanged',
  /** Rejected by the destination in {@link PARK_AFTER_REJECTED_RUNS} runs in a row: parked until re-driven. */
  REJECTED_BEFORE: 'rejected before',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/**
 * Profile-level outcome counts. `total = exported + pending + Σ skipped + Σ rejected`, always;
 * `pending` is zero once a run completes, and what was never sent when it failed or was cancelled.
 */
export interface RunCounts {
  total: number;
  exported: number;
  pending: number;
  skipped: Record<string, number>;
  rejected: Record<string, number>;
  /** Mirror mode: list memberships (not profiles) taken off their lists; present when the run planned removals. */
  removed?: number;
}

export function sumValues(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

export function countsAddUp(c: RunCounts): boolean {
  return c.total === c.exported + c.pending + sumValues(c.skipped) + sumValues(c.rejected);
}

/** Profiles whose outcome is decided (everything but pending) over all profiles, 0–100. */
export function percentDone(c: RunCounts): number {
  return c.total === 0 ? 100 : Math.floor((1000 * (c.total - c.pending)) / c.total) / 10;
}

/**
 * What counts as a sendable email: one `@`, no spaces, a dot in the domain. POSIX regex so the
 * store can classify a whole run in one statement; the same source is used wherever emails are checked.
 */
export const EMAIL_PATTERN = '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:].]+$';
