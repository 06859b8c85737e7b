// What runs in the embedded store's own thread (see pglite-thread.ts). Plain JavaScript, because a
// worker thread starts without the TypeScript loader of its parent.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

const pg = await PGlite.create(workerData.dataDir);
/** Open transactions: id → the function that hands the transaction its next request. */
const transactions = new Map();
const ROLLBACK = Symbol('rollback');

parentPort.on('message', (request) => {
  const deliver = request.tx !== undefined && request.op !== 'begin' ? transactions.get(request.tx) : undefined;
  if (deliver) deliver(request);
  else void serve(request);
});
parentPort.postMessage({ ready: true });

async function serve(request) {
  try {
    if (request.op === 'begin') return begin(request);
    // A transaction that failed to commit has already ended.
    if (request.op === 'commit' || request.op === 'rollback') return reply(request, {});
    if (request.op === 'close') {
      await pg.close();
      reply(request, {});
      return parentPort.close();
    }
    reply(request, await run(pg, request));
  } catch (err) {
    replyError(request, err);
  }
}

async function run(q, request) {
  if (request.op !== 'exec') return { rows: (await q.query(request.sql, request.params)).rows };
  await q.exec(request.sql);
  return {};
}

/** PGlite holds every other query back while a transaction is open: the thread serves its requests in order until it ends. */
async function begin(request) {
  const inbox = [];
  let wake;
  transactions.set(request.tx, (next) => (inbox.push(next), wake?.()));
  const nextRequest = async () => {
    while (inbox.length === 0) await new Promise((resolve) => (wake = resolve));
    return inbox.shift();
  };
  let last = request;
  try {
    await pg.transaction(async (tx) => {
      reply(request, {});
      for (;;) {
        last = await nextRequest();
        if (last.op === 'commit') return;
        if (last.op === 'rollback') throw ROLLBACK;
        try {
          reply(last, await run(tx, last));
        } catch (err) {
          replyError(last, err);
        }
      }
    });
    reply(last, {});
  } catch (err) {
    if (err === ROLLBACK) reply(last, {});
    else replyError(last, err);
  } finally {
    transactions.delete(request.tx);
  }
}

function reply(request, result) {
  parentPort.postMessage({ id: request.id, ...result });
}

/** An error crosses threads as its message and the fields PostgreSQL gave it (code, detail …). */
function replyError(request, err) {
  const fields = {};
  for (const [key, value] of Object.entries(err ?? {})) if (typeof value !== 'object' && typeof value !== 'function') fields[key] = value;
  parentPort.postMessage({ id: request.id, error: { message: err instanceof Error ? err.message : String(err), fields } });
}
