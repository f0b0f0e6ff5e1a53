import { createContextKey } from '@connectrpc/connect';
import type { Logger } from '../util/logger.js';

// What the interceptor chain learns about a call, for the interceptors after it and the handlers
// (`req.contextValues` in an interceptor, `ctx.values` in a handler).

/** The call's request id: the caller's valid x-request-id, else one made for it. Empty outside a call. */
export const requestId = createContextKey<string>('', { description: 'request id' });

/**
 * The logger of the call, bound to its request id: what an interceptor or handler logs about the call
 * goes through it (`req.contextValues.get(requestLogger) ?? logger`). Unset outside a call.
 */
export const requestLogger = createContextKey<Logger | undefined>(undefined, { description: 'request logger' });
