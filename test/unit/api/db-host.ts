import { parentPort } from 'node:worker_threads';
import { openDb, type Db } from '../../../store/db';

/**
 * Runs in a worker thread, outside Jest's VM: PGlite loads parts of itself with dynamic
 * `import()`, which Jest's VM refuses without --experimental-vm-modules. Serves the store's
 * {@link Db} over messages; see worker-db.ts for the other side.
 */

type Request =
  | { id: number; op: 'query'; txId?: number; sql: string; params?: unknown[] }
  | { id: number; op: 'exec'; txId?: number; sql: string }
  | { id: number; op: 'begin' | 'commit' | 'rollback'; txId: number }
  | { id: number; op: 'close' };

const port = parentPort!;
const open = openDb();
const transactions = new Map<number, { tx: Db; finish: (commit: boolean) => void; done: Promise<unknown> }>();

async function handle(db: Db, m: Request): Promise<unknown> {
  const on = (txId?: number) => (txId === undefined ? db : transactions.get(txId)!.tx);
  switch (m.op) {
    case 'query':
      return on(m.txId).query(m.sql, m.params);
    case 'exec':
      return on(m.txId).exec(m.sql);
    case 'begin':
      return new Promise<void>((started) => {
        let finish!: (commit: boolean) => void;
        const decided = new Promise<boolean>((resolve) => (finish = resolve));
        const done = db.transaction(async (tx) => {
          transactions.set(m.txId, { tx, finish, done });
          started();
          if (!(await decided)) throw new Error('rollback');
        });
        done.catch(() => undefined);
      });
    case 'commit':
    case 'rollback': {
      const t = transactions.get(m.txId)!;
      transactions.delete(m.txId);
      t.finish(m.op === 'commit');
      return t.done.catch((err: Error) => {
        if (m.op === 'commit') throw err;
      });
    }
    case 'close':
      return db.close();
  }
}

port.on('message', (m: Request) => {
  open
    .then((db) => handle(db, m))
    .then(
      (result) => port.postMessage({ id: m.id, result }),
      (err: Error) => port.postMessage({ id: m.id, error: { message: err.message, code: (err as { code?: string }).code } }),
    );
});
