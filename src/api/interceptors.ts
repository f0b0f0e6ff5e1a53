import type { Interceptor } from '@connectrpc/connect';
import type { Logger } from '../util/logger.js';
import { errorInterceptor } from './error-interceptor.js';

/**
 * The router's interceptor chain, outermost first: every call runs it once, on either transport path.
 * Request ids, authentication, authorisation and rate limits join this list; one placed after
 * errorInterceptor has its failures mapped through the error catalogue and logged with the call.
 */
export function interceptors(deps: { logger: Logger }): Interceptor[] {
  return [errorInterceptor(deps.logger)];
}
