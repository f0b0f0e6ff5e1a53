import type { HandlerContext } from '@connectrpc/connect';
import type { CallOptions } from '../services/call-options.js';
import { principalKey } from './principal-context.js';

/** The caller, the client's cancellation and deadline, as the core understands them. */
export function callOptionsFrom(ctx: HandlerContext): CallOptions {
  const remaining = ctx.timeoutMs();
  return { principal: ctx.values.get(principalKey), signal: ctx.signal, deadline: remaining === undefined ? undefined : Date.now() + remaining };
}
