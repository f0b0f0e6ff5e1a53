import type { Interceptor } from '@connectrpc/connect';
import { apiKeyPepper } from '../auth/api-key-secret.js';
import { ApiKeys } from '../auth/api-keys.js';
import { createCallerLimits } from '../auth/caller-limits.js';
import { createJwtVerifier } from '../auth/jwt-verifier.js';
import type { Config } from '../config.js';
import type { Database } from '../persistence/repositories.js';
import type { Logger } from '../util/logger.js';
import { auditInterceptor } from './audit-interceptor.js';
import { authenticateInterceptor } from './authenticate-interceptor.js';
import { authoriseInterceptor } from './authorise-interceptor.js';
import type { PeerSubjectOf } from './peer-subject.js';
import { rateLimitInterceptor } from './rate-limit-interceptor.js';

export interface AuthDeps {
  db: Pick<Database, 'apiKeys'>;
  logger: Logger;
  /** The verified client certificate's subject, from the TLS transport; needed for AUTH_MODE=...mtls. */
  peerSubject?: PeerSubjectOf;
}

export interface AuthInterceptors {
  /** In order, after the error interceptor: audit, authenticate, authorise, rate limit. */
  interceptors: Interceptor[];
  close(): Promise<void>;
}

/** Authentication, authorisation, per-caller limits and the audit log, as the router's interceptors. */
export async function authInterceptors(config: Pick<Config, 'auth' | 'dataDir'>, deps: AuthDeps): Promise<AuthInterceptors> {
  const { auth } = config;
  const { logger } = deps;
  const apiKeys = auth.methods.includes('keys')
    ? new ApiKeys(deps.db.apiKeys, {
        pepper: await apiKeyPepper(auth.apiKeyPepper, config.dataDir),
        onTouchError: (e) => logger.warn({ err: String(e) }, 'recording an API key use failed'),
      })
    : undefined;
  const limits = await createCallerLimits(auth.limits, {
    onRedisError: (e) => logger.warn({ err: String(e) }, 'rate-limit store unavailable: limits hold per instance until it is back'),
  });
  return {
    interceptors: [
      auditInterceptor(logger, auth.reflection),
      authenticateInterceptor({ config: auth, apiKeys, verifyJwt: auth.jwt && createJwtVerifier(auth.jwt), peerSubject: deps.peerSubject, logger }),
      authoriseInterceptor(auth.reflection),
      rateLimitInterceptor(limits, auth.mode, auth.reflection),
    ],
    close: () => limits.close(),
  };
}
