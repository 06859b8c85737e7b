import type { LogLevel, LogMetadata } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';

/**
 * Warnings the SDK logs for the way this engine is built on purpose, which nobody can act on:
 * the Autopilot worker runs activities only (see createWorkers).
 */
const BY_DESIGN = new Set(['No workflows registered, not polling for workflow tasks']);

/** The SDK's logger for Runtime.install, without the warnings above. */
export class RuntimeLogger extends DefaultLogger {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (!BY_DESIGN.has(message)) super.log(level, message, meta);
  }
}
