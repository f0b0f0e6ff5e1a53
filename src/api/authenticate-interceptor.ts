import type { Interceptor } from '@connectrpc/connect';
import type { ApiKeys } from '../auth/api-keys.js';
import { API_KEY_PREFIX } from '../auth/api-key-secret.js';
import type { AuthConfig, AuthMethod } from '../auth/auth-config.js';
import type { JwtVerifier } from '../auth/jwt-verifier.js';
import { anonymousPrincipal, type Principal } from '../auth/principal.js';
import { AppError, unauthenticated } from '../errors/index.js';
import type { Logger } from '../util/logger.js';
import type { PeerSubjectOf } from './peer-subject.js';
import { principalKey } from './principal-context.js';
import { accessFor } from './rpc-scopes.js';

export interface Authenticators {
  config: Pick<AuthConfig, 'mode' | 'methods' | 'mtlsPrincipals' | 'reflection'>;
  apiKeys?: ApiKeys;
  verifyJwt?: JwtVerifier;
  peerSubject?: PeerSubjectOf;
  logger: Logger;
}

const WHAT: Record<AuthMethod, string> = {
  keys: '"authorization: Bearer <API key>"',
  jwt: '"authorization: Bearer <token>"',
  mtls: 'a client certificate',
};

/**
 * Establishes the call's principal from its credentials and leaves it in the call's context values: a
 * bearer API key (isk_...) or JWT, else a verified client certificate. Open RPCs (health, and
 * reflection when public) are served without looking at credentials; in development mode and with
 * AUTH_MODE=none every caller is the anonymous principal.
 */
export function authenticateInterceptor(a: Authenticators): Interceptor {
  const { config } = a;
  const anonymous = config.mode !== 'authenticated' ? anonymousPrincipal() : undefined;
  const expected = config.methods.map((m) => WHAT[m]).join(' or ');

  const fromBearer = async (token: string): Promise<Principal> => {
    if (token.startsWith(API_KEY_PREFIX)) {
      if (!a.apiKeys) throw unauthenticated('this server does not accept API keys');
      const principal = await a.apiKeys.authenticate(token);
      if (!principal) throw unauthenticated('invalid or revoked API key');
      return principal;
    }
    if (!a.verifyJwt) throw unauthenticated('invalid API key');
    return a.verifyJwt(token);
  };

  const credentials = async (header: Headers, values: Parameters<PeerSubjectOf>[0], rpc: string): Promise<Principal> => {
    const authorization = header.get('authorization');
    if (authorization !== null) {
      const bearer = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
      if (!bearer) throw unauthenticated(`authorization: expected "Bearer <credential>"`);
      return fromBearer(bearer[1]);
    }
    if (config.methods.includes('mtls')) {
      const subject = a.peerSubject?.(values);
      if (subject !== undefined) {
        const mapped = config.mtlsPrincipals.get(subject);
        if (!mapped) throw unauthenticated('this client certificate is not mapped to a principal');
        return { tenant: mapped.tenant, subject, scopes: new Set(mapped.scopes), kind: 'mtls' };
      }
    }
    throw unauthenticated(`${rpc} needs credentials: send ${expected}`, 'CREDENTIALS_MISSING');
  };

  return (next) => async (req) => {
    const access = accessFor(req.service.typeName, req.method.name, config.reflection);
    if (access === 'open') return next(req);
    const rpc = `${req.service.typeName}/${req.method.name}`;
    if (access === 'off') throw new AppError('unimplemented', `${rpc}: server reflection is turned off on this server`, { reason: 'REFLECTION_OFF' });
    let principal = anonymous;
    if (!principal) {
      try {
        principal = await credentials(req.header, req.contextValues, rpc);
      } catch (e) {
        // Callers are told little; the log keeps why, never the credential itself.
        const cause = (e as Error).cause as Error | undefined;
        a.logger.info({ rpc, outcome: (e as AppError).reason, why: cause ? String(cause.message ?? cause) : (e as Error).message }, 'authentication failed');
        throw e;
      }
    }
    req.contextValues.set(principalKey, principal);
    return next(req);
  };
}
