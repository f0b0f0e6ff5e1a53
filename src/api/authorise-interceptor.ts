import type { Interceptor } from '@connectrpc/connect';
import { hasScope } from '../auth/principal.js';
import { missingScope, unauthenticated } from '../errors/index.js';
import { principalKey } from './principal-context.js';
import { accessFor, type ReflectionAccess } from './rpc-scopes.js';

/** PERMISSION_DENIED, naming the scope, for a principal whose scopes do not cover the RPC (rpc-scopes.ts). */
export function authoriseInterceptor(reflection: ReflectionAccess): Interceptor {
  return (next) => async (req) => {
    const access = accessFor(req.service.typeName, req.method.name, reflection);
    if (access === 'open' || access === 'off') return next(req);
    const principal = req.contextValues.get(principalKey);
    const rpc = `${req.service.typeName}/${req.method.name}`;
    // The authentication interceptor runs first; reaching here without a principal is a wiring fault,
    // and refusing is the only safe answer to it.
    if (!principal) throw unauthenticated(`${rpc} needs credentials`, 'CREDENTIALS_MISSING');
    if (access !== 'authenticated' && !hasScope(principal, access.scope)) throw missingScope(access.scope, rpc);
    return next(req);
  };
}
