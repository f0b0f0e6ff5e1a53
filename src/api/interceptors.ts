import type { Interceptor } from '@connectrpc/connect';
import type { Observer } from '../observe/observer.js';
import type { Logger } from '../util/logger.js';
import { errorInterceptor } from './error-interceptor.js';
import { observeInterceptor } from './observe-interceptor.js';
import { requestIdInterceptor } from './request-id-interceptor.js';

/**
 * The router's interceptor chain, outermost first: every call runs it once, on either transport path.
 * The request id comes first so every line of the call carries it; authentication, authorisation and
 * rate limits join after errorInterceptor, which maps their failures through the error catalogue and
 * logs them with the call (its logger: `requestLogger` in call-context.ts).
 */
export function interceptors(deps: {
  logger: Logger;
  /** Absent when neither metrics nor traces are on. */
  observer?: Observer;
  /** Audit, authentication, authorisation and rate limits (auth-interceptors.ts), in their order. */
  auth?: readonly Interceptor[];
}): Interceptor[] {
  const observed = deps.observer ? [observeInterceptor(deps.observer)] : [];
  return [requestIdInterceptor(deps.logger), ...observed, errorInterceptor(deps.logger), ...(deps.auth ?? [])];
}
