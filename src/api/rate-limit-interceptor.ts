import type { Interceptor, StreamRequest } from '@connectrpc/connect';
import type { AuthConfig } from '../auth/auth-config.js';
import type { CallerLimits } from '../auth/caller-limits.js';
import { principalKey } from './principal-context.js';
import { accessFor, type ReflectionAccess } from './rpc-scopes.js';

/** Images a generation request asks for: its num_variations where it has one, else one. */
function imagesAsked(message: unknown): number {
  const n = (message as { numVariations?: unknown }).numVariations;
  return typeof n === 'number' && Number.isInteger(n) && n > 1 ? n : 1;
}

/** The first message of a server-streaming request, and the request as it was for whoever reads it next. */
async function peek(req: StreamRequest): Promise<[unknown, StreamRequest]> {
  const iterator = req.message[Symbol.asyncIterator]();
  const first = await iterator.next();
  const message = (async function* () {
    if (first.done) return;
    yield first.value;
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) yield r.value;
  })();
  return [first.done ? {} : first.value, { ...req, message }];
}

/**
 * Per-caller limits: the call rate of each authenticated principal, and the daily generation quota of
 * each tenant for the RPCs that call a generation provider. Development mode is not limited (one
 * developer on loopback); with AUTH_MODE=none every caller is one principal, so only the generation
 * quota applies (a shared call rate would throttle the whole service as one client).
 */
export function rateLimitInterceptor(limits: CallerLimits, mode: AuthConfig['mode'], reflection: ReflectionAccess): Interceptor {
  return (next) => async (req) => {
    const principal = req.contextValues.get(principalKey);
    if (!principal || mode === 'development') return next(req);
    if (mode === 'authenticated') await limits.admitCall(principal);
    const access = accessFor(req.service.typeName, req.method.name, reflection);
    if (typeof access === 'object' && access.scope === 'images:generate') {
      // Generation RPCs take one request message (unary or server streaming).
      let asked: unknown = req.message;
      if (req.stream) [asked, req] = await peek(req);
      await limits.admitGeneration(principal.tenant, imagesAsked(asked));
    }
    return next(req);
  };
}
