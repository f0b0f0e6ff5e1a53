import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnsecuredJWT } from 'jose';
import type { JwtConfig } from '../../src/auth/auth-config.js';
import { createJwtVerifier, type JwtVerifier } from '../../src/auth/jwt-verifier.js';
import { AppError } from '../../src/errors/index.js';
import { makeSigningKey, signToken, startJwksServer, type SigningKey } from '../support/jwks-server.js';
import { freePort } from '../support/azurite.js';

const ISSUER = 'https://idp.test/';
const AUDIENCE = 'image-service';

describe('JWT verification against a real JWKS endpoint', () => {
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;
  let rsa: SigningKey;
  let ec: SigningKey;
  let config: JwtConfig;
  let sut: JwtVerifier;
  const sign = (key: SigningKey, claims: Record<string, unknown> = {}, options: { issuer?: string; audience?: string; expiresAt?: number } = {}) =>
    signToken(key, { sub: 'user-1', tenant: 'acme', scope: 'images:read images:write', ...claims }, { issuer: ISSUER, audience: AUDIENCE, ...options });

  /** The AppError a token is refused with, and the reason the log gets. */
  const refusal = async (token: string, verify = sut) => {
    const e = await verify(token).then(() => undefined, (err: unknown) => err);
    if (!(e instanceof AppError)) throw new Error(`expected an AppError, got ${String(e)}`);
    return { kind: e.kind, message: e.message, reason: e.reason, why: String((e.cause as Error | undefined)?.message) };
  };

  beforeAll(async () => {
    jwks = await startJwksServer();
    rsa = await makeSigningKey('RS256', 'rsa-1');
    ec = await makeSigningKey('ES256', 'ec-1');
    jwks.publish([rsa, ec]);
    config = {
      jwksUrl: new URL(jwks.url),
      issuer: ISSUER,
      audience: [AUDIENCE],
      algorithms: ['RS256', 'ES256'],
      clockSkewSeconds: 30,
      tenantClaim: 'tenant',
      jwksCacheSeconds: 600,
      // No wait between fetches, so the rotation below is seen at once.
      jwksCooldownSeconds: 0,
      jwksTimeoutMs: 5000,
    };
    sut = createJwtVerifier(config);
  });
  afterAll(async () => {
    await jwks?.close();
  });

  it('accepts RS256 and ES256 tokens: tenant from its claim, subject, scopes from scope or scp', async () => {
    expect(await sut(await sign(rsa))).toEqual({ tenant: 'acme', subject: 'user-1', scopes: new Set(['images:read', 'images:write']), kind: 'jwt' });
    expect((await sut(await sign(ec, { scope: undefined, scp: ['images:delete', 'openid'] }))).scopes).toEqual(new Set(['images:delete']));
    expect((await sut(await sign(ec, { scope: undefined, scp: 'images:generate profile' }))).scopes).toEqual(new Set(['images:generate']));
    expect((await sut(await sign(rsa, { scope: undefined }))).scopes).toEqual(new Set());
  });

  it('reads the tenant from the configured claim', async () => {
    const verify = createJwtVerifier({ ...config, tenantClaim: 'https://idp.test/org' });
    expect((await verify(await sign(rsa, { tenant: undefined, 'https://idp.test/org': 'beta' }))).tenant).toBe('beta');
  });

  it('follows key rotation: a token with a new kid makes it fetch the key set again', async () => {
    const next = await makeSigningKey('RS256', 'rsa-2');
    const token = await sign(next);
    expect(await refusal(token)).toMatchObject({ kind: 'unauthenticated', message: 'invalid bearer token' });
    jwks.publish([rsa, ec, next]);
    const before = jwks.fetches();
    expect((await sut(token)).subject).toBe('user-1');
    expect(jwks.fetches()).toBe(before + 1);
    // Now cached: no fetch for the next token of a known key.
    await sut(await sign(next));
    expect(jwks.fetches()).toBe(before + 1);
  });

  it('refuses an expired token as expired, and accepts one within the clock skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await refusal(await sign(rsa, {}, { expiresAt: now - 120 }))).toMatchObject({ kind: 'unauthenticated', message: 'bearer token expired', reason: 'CREDENTIALS_EXPIRED' });
    expect((await sut(await sign(rsa, {}, { expiresAt: now - 5 }))).tenant).toBe('acme');
  });

  it('refuses wrong audience, wrong issuer, alg none, an unknown key and a missing tenant without saying which', async () => {
    const rogue = await makeSigningKey('RS256', 'rsa-1');
    const unknown = await makeSigningKey('ES256', 'not-published');
    const none = new UnsecuredJWT({ sub: 'user-1', tenant: 'acme', scope: 'admin' }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('10m').encode();
    const cases: [string, string, RegExp][] = [
      ['wrong audience', await sign(rsa, {}, { audience: 'another-service' }), /"aud" claim/],
      ['wrong issuer', await sign(rsa, {}, { issuer: 'https://evil.test/' }), /"iss" claim/],
      ['alg none', none, /alg|Unsupported|not allowed/i],
      ['unknown key', await sign(unknown), /no applicable key/i],
      ['same kid, another key', await sign(rogue), /signature verification failed/i],
      ['missing tenant claim', await sign(rsa, { tenant: undefined }), /claim "tenant" is missing/],
      ['tenant that is no tenant name', await sign(rsa, { tenant: 'Acme Corp' }), /claim "tenant" is missing or not a tenant name/],
      ['missing subject', await sign(rsa, { sub: undefined }), /"sub" claim/],
      ['not a JWT at all', 'abc.def', /Invalid Compact JWS|JWS/i],
    ];
    for (const [what, token, why] of cases) {
      const r = await refusal(token);
      expect([what, r.kind, r.message, r.reason]).toEqual([what, 'unauthenticated', 'invalid bearer token', 'CREDENTIALS_INVALID']);
      expect([what, r.why]).toEqual([what, expect.stringMatching(why)]);
    }
  });

  it('accepts only the configured algorithms', async () => {
    const rs384 = await makeSigningKey('RS384', 'rsa-384');
    jwks.publish([rsa, ec, rs384]);
    expect(await refusal(await sign(rs384))).toMatchObject({ message: 'invalid bearer token', why: expect.stringMatching(/alg/i) });
    const verify = createJwtVerifier({ ...config, algorithms: ['ES256'] });
    expect(await refusal(await sign(rsa), verify)).toMatchObject({ message: 'invalid bearer token' });
    expect((await verify(await sign(ec))).tenant).toBe('acme');
  });

  it('answers UNAVAILABLE, not UNAUTHENTICATED, when the key set cannot be fetched', async () => {
    const verify = createJwtVerifier({ ...config, jwksUrl: new URL(`http://127.0.0.1:${await freePort()}/jwks.json`) });
    expect(await refusal(await sign(rsa), verify)).toMatchObject({ kind: 'unavailable', reason: 'JWKS_UNAVAILABLE', message: "the identity provider's signing keys could not be fetched" });
  });
});
