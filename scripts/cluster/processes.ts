import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { AutopilotSimOptionsInput } from '../../autopilot-sim/options';
import type { SimStats } from '../../autopilot-sim/stats';
import { DIST } from '../build';

const ROOT = path.join(__dirname, '..', '..');

export interface EngineProcess {
  name: string;
  child: ChildProcess;
  /** Its stdout and stderr. */
  log: string;
  /** Resolves once it serves (a worker: polls its queues; the API: `/health` answers 200). */
  ready: Promise<void>;
  /** Resolves when it has exited. */
  exited: Promise<void>;
  /** Signals it (SIGKILL by default) and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM (a graceful stop), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * A process of its own: `node <nodeArgs> <script>`. The API and the workers run from the build
 * (dist/, as the image runs them); the cluster's own tools are TypeScript, run with tsx.
 */
function spawnEngine(script: string, env: Record<string, string>, log: string, nodeArgs: string[]): { child: ChildProcess; output: () => string; exited: Promise<void> } {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: ROOT,
    // NODE_OPTIONS of the parent (jest's --experimental-vm-modules) are not the process's.
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const file = createWriteStream(log, { flags: 'a' });
  let tail = '';
  const onData = (d: Buffer) => {
    file.write(d);
    tail = (tail + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => file.end(() => resolve())));
  return { child, output: () => tail, exited };
}

function controls(child: ChildProcess, exited: Promise<void>) {
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (gone()) return;
    child.kill(signal);
    await exited;
  };
  const stop = async (graceMs = 30_000) => {
    if (gone()) return;
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(force);
  };
  return { kill, stop };
}

/** The compiled `worker/main.ts` in a process of its own, as the compose file's `worker` runs it. */
export function startWorkerProcess(name: string, env: Record<string, string>, log: string): EngineProcess {
  // As `npm run worker`: a bounded heap keeps V8 from growing lazily on a long run's garbage.
  const { child, output, exited } = spawnEngine(path.join(DIST, 'worker', 'main.js'), env, log, ['--max-old-space-size=160']);
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => output().includes('Worker polling') && resolve();
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before polling; see ${log}:\n${output()}`)));
  });
  ready.catch(() => undefined);
  return { name, child, log, ready, exited, ...controls(child, exited) };
}

/** The compiled `api/main.ts` in a process of its own, as the compose file's `api` runs it; ready once `/health` answers 200. */
export function startApiProcess(env: Record<string, string> & { PORT: string }, log: string): EngineProcess {
  const { child, output, exited } = spawnEngine(path.join(DIST, 'api', 'main.js'), env, log, []);
  const url = `http://127.0.0.1:${env.PORT}/health`;
  const ready = (async () => {
    const deadline = Date.now() + 120_000;
    let last = '';
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`api exited (${child.exitCode ?? child.signalCode}); see ${log}:\n${output()}`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        last = `${res.status} ${await res.text()}`;
        if (res.ok) return;
      } catch (err) {
        last = String(err);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`api did not answer 200 on ${url} within 120 s (last: ${last}); see ${log}`);
  })();
  ready.catch(() => undefined);
  return { name: 'api', child, log, ready, exited, ...controls(child, exited) };
}

export interface SimProcess extends EngineProcess {
  /** Base URL for an Autopilot client, ending in `/v1`. */
  url: string;
  /** `http://host:port`, for `/_sim/...`. */
  origin: string;
  /** A key's counters (`/_sim/stats`). */
  stats(key: string): Promise<SimStats>;
  /** When each request of a key arrived, in ms (`/_cluster/arrivals`), and what it was. */
  arrivals(key: string): Promise<{ at: number; request: string; late?: number; status?: number; ms?: number }[]>;
  /** The longest delay of its event loop (ms) since it was last asked (`/_cluster/lag`). */
  lag(): Promise<number>;
  /** What a key's account holds (`/_sim/contacts`), in the shape the tests' simContacts reads. */
  holds(key: string): Promise<{ contacts(key: string): SimContact[]; lists(key: string): { list_id: string; title: string }[] }>;
}

type SimContact = { Email?: unknown; FirstName?: unknown; LastName?: unknown; lists?: string[] };

/** The Autopilot simulator in a process of its own (scripts/cluster/autopilot-sim-process.ts), read over its inspection routes. */
export async function startSimProcess(options: AutopilotSimOptionsInput & { port?: number }, log: string): Promise<SimProcess> {
  const simScript = path.join(ROOT, 'scripts', 'cluster', 'autopilot-sim-process.ts');
  const { child, output, exited } = spawnEngine(simScript, { CLUSTER_SIM_OPTIONS: JSON.stringify(options) }, log, ['--import', 'tsx']);
  const ready = new Promise<string>((resolve, reject) => {
    const check = () => {
      const url = /listening on (http:\/\/\S+\/v1)/.exec(output())?.[1];
      if (url) resolve(url);
    };
    child.stdout?.on('data', check);
    child.once('exit', (code, signal) => reject(new Error(`the Autopilot simulator exited (${code ?? signal}); see ${log}:\n${output()}`)));
  });
  const url = await ready;
  const origin = new URL(url).origin;
  const get = async <T>(route: string, key: string): Promise<T> => {
    const res = await fetch(`${origin}/${route}?key=${encodeURIComponent(key)}`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`simulator ${route}: ${res.status}`);
    return (await res.json()) as T;
  };
  return {
    name: 'autopilot-sim',
    child,
    log,
    ready: Promise.resolve(),
    exited,
    ...controls(child, exited),
    url,
    origin,
    stats: (key) => get<SimStats>('_sim/stats', key),
    arrivals: (key) => get('_cluster/arrivals', key),
    lag: async () => (await get<{ maxMs: number }>('_cluster/lag', '')).maxMs,
    async holds(key) {
      const held = await get<{ contacts: SimContact[]; lists: { list_id: string; title: string }[] }>('_sim/contacts', key);
      return { contacts: () => held.contacts, lists: () => held.lists };
    },
  };
}
