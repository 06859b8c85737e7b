import { closeOnSignal } from '../local-server/serve';
import { loadSimEnv } from './env';
import { keyLabel } from './options';
import { startAutopilotSim } from './server';

/** `npm run autopilot-sim`: a local Autopilot for demos, docker-compose and manual testing. */
async function main(): Promise<void> {
  const config = loadSimEnv(process.env);
  if (!config.ok) {
    console.error(`Invalid Autopilot simulator configuration:\n${config.problems}`);
    process.exit(1);
  }
  const { options } = config;
  const running = await startAutopilotSim(options);
  const labels = (options.keys ?? []).map(keyLabel).join(', ');
  const rate = options.rateLimit ? `${options.rateLimit} r/s per key` : 'no rate limit';
  console.log(`Autopilot simulator listening on ${running.url} (keys ending ${labels}; ${rate})`);
  console.log(`Inspect: ${running.origin}/_sim/health, /_sim/stats`);

  closeOnSignal(running.close);
}

main().catch((err: unknown) => {
  console.error('Autopilot simulator failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
