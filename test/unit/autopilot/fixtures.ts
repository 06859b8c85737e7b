import { AutopilotClient, type AutopilotClientOptions, type AutopilotContact } from '../../../autopilot';
import { startAutopilotSim, type RunningAutopilotSim, type StartAutopilotSimOptions } from '../../../autopilot-sim';

export const API_KEY = '0123456789abcdef0123456789abcdef';

export interface Harness {
  running: RunningAutopilotSim;
  client: AutopilotClient;
  close(): Promise<void>;
}

/** A simulator on an ephemeral loopback port and a real client pointed at it. */
export async function startHarness(
  simOptions: StartAutopilotSimOptions = {},
  clientOptions: Partial<AutopilotClientOptions> = {},
): Promise<Harness> {
  const running = await startAutopilotSim({ keys: [API_KEY], rateLimit: 0, seed: 42, ...simOptions });
  const client = new AutopilotClient({ baseUrl: running.url, apiKey: API_KEY, timeoutMs: 2_000, ...clientOptions });
  return {
    running,
    client,
    close: async () => {
      client.close();
      await running.close();
    },
  };
}

export function buildContacts(count: number, overrides: Partial<AutopilotContact> = {}): AutopilotContact[] {
  return Array.from({ length: count }, (_, i) => ({ Email: `person${i}@example.com`, FirstName: `First${i}`, ...overrides }));
}

/** Resolves to the rejection reason; fails the test if the promise resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}
