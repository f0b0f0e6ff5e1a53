import { ConnectError, type Interceptor } from '@connectrpc/connect';
import { newId } from '../util/ids.js';
import { withLogFields, type Logger } from '../util/logger.js';
import { runEach } from '../util/run-each.js';
import { requestId, requestLogger } from './call-context.js';

const REQUEST_ID_HEADER = 'x-request-id';

/** What a caller's id may be: short, and safe to print in a log line or a header. */
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's x-request-id when it is valid, else a new one (a UUIDv7). */
export function requestIdFrom(headers: Headers): string {
  const given = headers.get(REQUEST_ID_HEADER);
  return given !== null && VALID_REQUEST_ID.test(given) ? given : newId();
}

/**
 * Gives each call its request id: kept from the caller's x-request-id when valid, replaced otherwise (the
 * response says which was used), set in the context with a logger bound to it, on every line logged
 * while the call runs (see withLogFields), and returned in the response headers, and for streams also in
 * the trailers, which are all a gRPC client sees of a stream that failed midway.
 */
export function requestIdInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const id = requestIdFrom(req.header);
    req.contextValues.set(requestId, id).set(requestLogger, logger.child({ requestId: id }));
    const fields = { requestId: id };
    const inScope = <R>(fn: () => R): R => withLogFields(fields, fn);
    try {
      const res = await inScope(() => next(req));
      res.header.set(REQUEST_ID_HEADER, id);
      if (!res.stream) return res;
      res.trailer.set(REQUEST_ID_HEADER, id);
      return { ...res, message: runEach(res.message, inScope) };
    } catch (e) {
      const error = ConnectError.from(e);
      error.metadata.set(REQUEST_ID_HEADER, id);
      throw error;
    }
  };
}
