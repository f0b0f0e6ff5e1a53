import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { AppError, identityProviderUnavailable, unauthenticated } from '../errors/index.js';
import type { JwtConfig } from './auth-config.js';
import { isScope, TENANT_PATTERN, type Principal, type Scope } from './principal.js';

/** Verifies a bearer token and returns its principal; throws AppError (UNAUTHENTICATED or UNAVAILABLE). */
export type JwtVerifier = (token: string) => Promise<Principal>;

/** Why a token was refused, for the server's log only: callers are told less (see `refusal`). */
class TokenRefused extends Error {
  override readonly name = 'TokenRefused';
}

/** Scopes from `scope` (space-separated, RFC 8693) or `scp` (an array or a string); others are ignored. */
function scopesOf(payload: JWTPayload): Set<Scope> {
  const raw = payload.scope ?? payload.scp;
  const names = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(' ') : [];
  return new Set(names.filter((s): s is Scope => typeof s === 'string' && isScope(s)));
}

/** The key set could not be had: a timeout, a network error, a non-200 answer, or no key set in it. */
function jwksUnavailable(e: unknown): boolean {
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) return true;
  if (e instanceof TypeError && /fetch/i.test(e.message)) return true;
  // jose reports a bad HTTP answer with the base error class; its subclasses are about the token.
  return e instanceof errors.JOSEError && e.constructor === errors.JOSEError && /JSON Web Key Set HTTP response/.test(e.message);
}

/**
 * UNAUTHENTICATED without saying which check failed (that stays in the log), except expiry: telling a
 * client its token is merely old lets it refresh instead of giving up. A JWKS that cannot be fetched is
 * the identity provider's fault, not the caller's: UNAVAILABLE, so the call can be retried.
 */
function refusal(e: unknown): AppError {
  if (e instanceof errors.JWTExpired) return unauthenticated('bearer token expired', 'CREDENTIALS_EXPIRED', e);
  if (jwksUnavailable(e)) return identityProviderUnavailable(e);
  return unauthenticated('invalid bearer token', 'CREDENTIALS_INVALID', e);
}

/**
 * JWTs from an identity provider, checked with `jose` against its JWKS: fetched on first use, cached,
 * fetched again when a token names a key id not yet seen (at most once per cooldown), so key rotation
 * needs no restart. Only the configured asymmetric algorithms are accepted, never `none`.
 */
export function createJwtVerifier(config: JwtConfig): JwtVerifier {
  const jwks = createRemoteJWKSet(config.jwksUrl, {
    cacheMaxAge: config.jwksCacheSeconds * 1000,
    cooldownDuration: config.jwksCooldownSeconds * 1000,
    timeoutDuration: config.jwksTimeoutMs,
  });
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockTolerance: config.clockSkewSeconds,
        requiredClaims: ['sub', 'exp'],
      });
      const tenant = payload[config.tenantClaim];
      if (typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant)) throw new TokenRefused(`claim ${JSON.stringify(config.tenantClaim)} is missing or not a tenant name`);
      const subject = payload.sub!;
      if (subject.length > 255) throw new TokenRefused('"sub" claim is longer than 255 characters');
      return { tenant, subject, scopes: scopesOf(payload), kind: 'jwt' };
    } catch (e) {
      throw refusal(e);
    }
  };
}
