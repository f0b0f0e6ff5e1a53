import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import type { Observation, Observer } from '../observe/observer.js';
import { runEach } from '../util/run-each.js';

/**
 * Observes each RPC as it leaves the chain after it: counted by method and code, timed, in flight, and
 * traced as a server span that continues the caller's traceparent, with the call's work (pool, stores,
 * providers) beneath it. Placed before the error interceptor, it sees the codes the caller gets.
 */
export function observeInterceptor(observer: Observer): Interceptor {
  return (next) => async (req) => {
    const call = observer.start('rpc', `${req.service.typeName}/${req.method.name}`, req.header);
    try {
      const res = await call.within(() => next(req));
      if (!res.stream) {
        call.end('OK');
        return res;
      }
      return { ...res, message: endWithStream(runEach(res.message, (fn) => call.within(fn)), call, req.signal) };
    } catch (e) {
      call.end(codeOf(e, req.signal));
      throw e;
    }
  };
}

async function* endWithStream<T>(source: AsyncIterable<T>, call: Observation, signal: AbortSignal): AsyncGenerator<T> {
  // Unchanged if the consumer stops early: the client went away.
  let outcome = Code[Code.Canceled];
  try {
    yield* source;
    outcome = 'OK';
  } catch (e) {
    outcome = codeOf(e, signal);
    throw e;
  } finally {
    call.end(outcome);
  }
}

/** The code the caller sees; a call its client abandoned counts as Canceled, whatever it threw then. */
function codeOf(error: unknown, signal: AbortSignal): string {
  return Code[signal.aborted ? Code.Canceled : ConnectError.from(error).code];
}
