import { AsyncLocalStorage } from 'node:async_hooks';
import type { MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import type { AppEnv } from './auth';
import type { Logger } from './logger';

const current = new AsyncLocalStorage<string>();

/**
 * Gives every request an id, answered as `X-Request-Id`: the caller's own when it is sane
 * (letters, digits, `_`, `-`, `=`; at most 128), else a new UUID. The rest of the request runs
 * with the id at hand for {@link withRequestId}, so route handlers need not pass it on.
 */
export function tagRequests(): MiddlewareHandler<AppEnv> {
  const assign = requestId({ headerName: 'X-Request-Id', limitLength: 128 });
  return (c, next) => assign(c, () => current.run(c.get('requestId'), next));
}

/** Adds `requestId` to every line logged while a request is handled; other lines stay as they are. */
export function withRequestId(logger: Logger): Logger {
  const tagged =
    (write: Logger['info']): Logger['info'] =>
    (message, fields) => {
      const id = current.getStore();
      write(message, id === undefined ? fields : { requestId: id, ...fields });
    };
  return { info: tagged(logger.info.bind(logger)), warn: tagged(logger.warn.bind(logger)), error: tagged(logger.error.bind(logger)) };
}
