import type { Interceptor } from '@connectrpc/connect';
import { Code, type ConnectError } from '@connectrpc/connect';
import type { Logger } from '../util/logger.js';
import { requestLogger } from './call-context.js';
import { toConnectError } from './to-connect-error.js';

/**
 * Maps every error a handler throws (unary or mid-stream) through the error catalogue, and logs one
 * line per call: method, outcome, duration. Expected client errors log at debug, server faults at
 * warn/error with their cause.
 */
export function errorInterceptor(rootLogger: Logger): Interceptor {
  const ok = (logger: Logger, method: string, started: number): void => {
    logger.debug({ rpc: method, durationMs: Math.round(performance.now() - started), outcome: 'ok' }, 'rpc');
  };
  const failed = (logger: Logger, method: string, started: number, err: unknown, signal: AbortSignal): ConnectError => {
    const durationMs = Math.round(performance.now() - started);
    if (signal.aborted) {
      // The client went away (cancelled, deadline, closed connection): not a server fault.
      logger.debug({ rpc: method, durationMs, outcome: 'Canceled' }, 'rpc');
      return toConnectError(err);
    }
    const ce = toConnectError(err);
    logger[failureLevel(ce)]({ rpc: method, durationMs, ...failureFields(ce) }, 'rpc');
    return ce;
  };
  return (next) => async (req) => {
    const started = performance.now();
    const method = `${req.service.typeName}/${req.method.name}`;
    const logger = req.contextValues.get(requestLogger) ?? rootLogger;
    try {
      const res = await next(req);
      if (!res.stream) {
        ok(logger, method, started);
        return res;
      }
      const source = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* source;
            ok(logger, method, started);
          } catch (e) {
            throw failed(logger, method, started, e, req.signal);
          }
        })(),
      };
    } catch (e) {
      throw failed(logger, method, started, e, req.signal);
    }
  };
}

/** How loud a failure is logged: a server fault is an error, an unavailable dependency a warning, the caller's own mistake debug. */
export function failureLevel(e: ConnectError): 'error' | 'warn' | 'debug' {
  if (e.code === Code.Internal || e.code === Code.Unknown || e.code === Code.DataLoss) return 'error';
  return e.code === Code.Unavailable ? 'warn' : 'debug';
}

/** A failure's log fields; the cause (for the log only, never the caller) when it is not the caller's doing. */
export function failureFields(e: ConnectError): { outcome: string; msg: string; cause?: string } {
  const cause = failureLevel(e) === 'debug' ? undefined : String((e.cause as Error)?.stack ?? e.cause);
  return { outcome: Code[e.code], msg: e.rawMessage, cause };
}
