import { startDevServer, type DevServer } from '../../scripts/temporal-server';

declare global {
  var __TEMPORAL_DEV_SERVER__: DevServer | undefined;
}

/** One real Temporal dev server for all integration tests, unless TEMPORAL_ADDRESS names one. */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEMPORAL_ADDRESS) return;
  const server = await startDevServer();
  globalThis.__TEMPORAL_DEV_SERVER__ = server;
  // Test workers are started after this and inherit the variable.
  process.env.TEMPORAL_ADDRESS = server.address;
}
