import path from 'node:path';
import { Worker } from 'node:worker_threads';

type Op = 'query' | 'exec' | 'begin' | 'commit' | 'rollback' | 'close';

interface Reply {
  id: number;
  rows?: unknown[];
  error?: { message: string; fields: Record<string, unknown> };
}

export interface PgliteThread {
  call(op: Op, fields?: { sql?: string; params?: unknown[]; tx?: number }): Promise<unknown[]>;
  newTransactionId(): number;
}

/**
 * Embedded PostgreSQL (PGlite) in a thread of its own. PGlite is WebAssembly: in the caller's
 * thread a query blocks its event loop for as long as it runs (a run's snapshot for over a second,
 * an activity's batches for tens of milliseconds), and with it every timer in the process — the
 * Autopilot turns among them, which then start late. Here the engine's thread only waits.
 */
export async function startPgliteThread(dataDir?: string): Promise<PgliteThread> {
  const worker = new Worker(path.join(__dirname, 'pglite-thread-main.mjs'), { workerData: { dataDir } });
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (err: Error) => void }>();
  let nextId = 1;
  // Like PGlite in the caller's thread, an idle store does not keep the process alive.
  const holdProcess = () => (pending.size > 0 ? worker.ref() : worker.unref());
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  worker.on('message', (reply: Reply) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    holdProcess();
    if (!waiter) return;
    if (reply.error) waiter.reject(Object.assign(new Error(reply.error.message), reply.error.fields));
    else waiter.resolve(reply.rows ?? []);
  });
  const failAll = (err: Error) => {
    for (const waiter of pending.values()) waiter.reject(err);
    pending.clear();
  };
  worker.on('error', failAll);
  worker.on('exit', () => failAll(new Error('The embedded store is closed')));
  holdProcess();
  return {
    call(op, fields = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        holdProcess();
        worker.postMessage({ id, op, ...fields });
      });
    },
    newTransactionId: () => nextId++,
  };
}
