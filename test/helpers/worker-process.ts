import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
/** As in `npm run worker`: a bounded heap keeps V8 from growing lazily on a long run's garbage. */
const WORKER_HEAP = '--max-old-space-size=160';

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves once the worker polls its queues. */
  ready: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `worker/main.ts` in a process of its own, as deployed (`npm run worker`): it shares only Temporal, PostgreSQL and Autopilot with the test. */
export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [WORKER_HEAP, '--import', 'tsx', path.join(ROOT, 'worker', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
      if (output.includes('Worker polling')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before polling: ${output}`)));
  });
  return {
    child,
    ready,
    kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}
