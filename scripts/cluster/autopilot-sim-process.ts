import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { closeOnSignal, listen } from '../../local-server/serve';
import { createAutopilotSim } from '../../autopilot-sim/app';
import { parseSimOptions, type AutopilotSimOptionsInput } from '../../autopilot-sim/options';

/**
 * The Autopilot simulator as a process of its own for the cluster, with any of its options (as
 * JSON in CLUSTER_SIM_OPTIONS, `port` included): its clock and rate figures are then not those of
 * a busy test or supervisor process, whose pauses would bunch requests up as they are counted.
 * Says where it listens on its first line of output.
 *
 * Beside the simulator's own routes, `GET /_cluster/arrivals?key=…` lists when each request of a
 * key arrived (ms since the process started, as the simulator's rate window counts them) and what
 * it was: to see which requests came too close, when a test finds a second above the rate. And
 * `GET /_cluster/lag` says how late its event loop ran since the last time it was asked (the
 * longest delay, in ms): a request stamped after such a delay arrived earlier than its stamp says.
 * Each arrival says, as `late`, how late the loop was running when it was stamped (see loopLateness).
 */
async function main(): Promise<void> {
  const { port, ...options } = JSON.parse(process.env.CLUSTER_SIM_OPTIONS ?? '{}') as AutopilotSimOptionsInput & { port?: number };
  const { app, releaseHeld } = createAutopilotSim(parseSimOptions(options));
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const lateness = loopLateness();
  const arrivals = new Map<string, Arrival[]>();
  const listening = await listen(async (request) => {
    const url = new URL(request.url);
    if (url.pathname === '/_cluster/lag') {
      const maxMs = Math.round(lag.max / 1e6);
      lag.reset();
      return Response.json({ maxMs });
    }
    if (url.pathname === '/_cluster/arrivals') return Response.json(arrivals.get(url.searchParams.get('key') ?? '') ?? []);
    const key = request.headers.get('autopilotapikey');
    if (!key || !url.pathname.startsWith('/v1/')) return app.fetch(request);
    const arrival: Arrival = { at: Math.round(performance.now() * 10) / 10, request: `${request.method} ${url.pathname.replace(/^\/v1/, '').replace(/\/[^/]*@[^/]*$/, '/:email')}`, late: lateness() };
    const list = arrivals.get(key) ?? [];
    list.push(arrival);
    arrivals.set(key, list);
    const response = await app.fetch(request);
    arrival.status = response.status;
    arrival.ms = Math.round(performance.now() - arrival.at);
    return response;
  }, { port: port ?? 0 });
  console.log(`Autopilot simulator listening on ${listening.origin}/v1`);
  closeOnSignal(() => {
    releaseHeld();
    return listening.close();
  });
}

type Arrival = { at: number; request: string; late: number; status?: number; ms?: number };

const TICK_MS = 5;

/**
 * How late the event loop is running now, in ms, from a ticker due every TICK_MS: how far overdue
 * its next tick is, or how late its last one came if that was just now. A request handled right
 * after the process was descheduled (a busy machine) is stamped that much after it arrived.
 */
function loopLateness(): () => number {
  let lastAt = performance.now();
  let lastLate = 0;
  setInterval(() => {
    const now = performance.now();
    lastLate = Math.max(0, now - lastAt - TICK_MS);
    lastAt = now;
  }, TICK_MS).unref();
  return () => {
    const now = performance.now();
    const overdue = now - lastAt - TICK_MS;
    return Math.round(Math.max(overdue, now - lastAt <= 2 * TICK_MS ? lastLate : 0, 0));
  };
}

main().catch((err: unknown) => {
  console.error('Autopilot simulator failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
