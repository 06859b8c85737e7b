import { Worker } from 'node:worker_threads';
import type { Db } from '../../../store/db';

/**
 * The store's in-memory PGlite `openDb()`, hosted in a worker thread (see db-host.ts) because
 * Jest's VM cannot load PGlite without --experimental-vm-modules. Same SQL, same migrations.
 */
export async function openWorkerDb(): Promise<Db> {
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(require.resolve('./db-host.ts'))});`, { eval: true });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let nextTx = 0;
  worker.on('message', (m: { id: number; result?: unknown; error?: { message: string; code?: string } }) => {
    const p = pending.get(m.id)!;
    pending.delete(m.id);
    if (m.error) p.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
    else p.resolve(m.result);
  });
  worker.on('error', (err) => pending.forEach((p) => p.reject(err)));
  const call = <T>(request: Record<string, unknown>) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });

  const remote = (txId?: number): Db => ({
    query: <T>(sql: string, params?: unknown[]) => call<T[]>({ op: 'query', txId, sql, params }),
    exec: (sql) => call<void>({ op: 'exec', txId, sql }),
    async transaction(fn) {
      const id = nextTx++;
      await call({ op: 'begin', txId: id });
      try {
        const result = await fn(remote(id));
        await call({ op: 'commit', txId: id });
        return result;
      } catch (err) {
        await call({ op: 'rollback', txId: id });
        throw err;
      }
    },
    async close() {
      await call({ op: 'close' });
      await worker.terminate();
    },
  });
  await remote().query('SELECT 1');
  return remote();
}
