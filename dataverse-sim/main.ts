import { closeOnSignal } from '../local-server/serve';
import { loadSimEnv } from './env';
import { DEMO_CLIENT_SECRET } from './options';
import { startDataverseSim } from './server';

/** `npm run dataverse-sim`: a local Customer Insights – Data (Dataverse) and token endpoint for demos. */
async function main(): Promise<void> {
  const config = loadSimEnv(process.env);
  if (!config.ok) {
    console.error(`Invalid Dataverse fake configuration:\n${config.problems}`);
    process.exit(1);
  }
  const { options } = config;
  const running = await startDataverseSim(options);
  console.log(`Dataverse fake listening on ${running.url} (${options.demoCustomers} demo customers; inspect ${running.url}/_sim/stats)`);
  // The demo secret opens only this fake, so it is printed; one set in DATAVERSE_SIM_CLIENT_SECRET is not.
  const secret = options.clientSecret === DEMO_CLIENT_SECRET ? DEMO_CLIENT_SECRET : '<DATAVERSE_SIM_CLIENT_SECRET>';
  console.log(
    `Point the engine at it: PROFILE_SOURCE=dataverse DATAVERSE_URL=${running.url} DATAVERSE_AUTHORITY_URL=${running.url} ` +
      `DATAVERSE_ALLOWED_AUTHORITY_HOSTS=${new URL(running.url).hostname} ` +
      `DATAVERSE_TENANT_ID=${options.tenantId} DATAVERSE_CLIENT_ID=${options.clientId} DATAVERSE_CLIENT_SECRET=${secret}`,
  );
  closeOnSignal(running.close);
}

main().catch((err: unknown) => {
  console.error('Dataverse fake failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
