import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/auth/auth-config.js';
import { loadConfig } from '../../src/config.js';

const JWT = { JWT_JWKS_URL: 'https://idp.example/.well-known/jwks.json', JWT_ISSUER: 'https://idp.example/', JWT_AUDIENCE: 'images' };

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('authentication configuration', () => {
  it('runs in development mode on a loopback HOST with nothing configured: any CORS origin, reflection public', () => {
    for (const HOST of ['127.0.0.1', '::1', 'localhost', '127.0.0.2']) {
      const { auth, corsOrigins } = loadConfig({ HOST });
      expect([HOST, auth.mode, auth.methods, auth.reflection, corsOrigins]).toEqual([HOST, 'development', [], 'public', ['*']]);
    }
    expect(loadConfig({}).auth.mode).toBe('development');
  });

  it('refuses a public HOST with no authentication, saying what to set', () => {
    for (const HOST of ['0.0.0.0', '::', '192.0.2.10']) {
      const message = refusal({ HOST });
      expect(message).toContain(`HOST=${HOST} is not a loopback address and no authentication is configured`);
      expect(message).toContain('AUTH_MODE=keys');
      expect(message).toContain('AUTH_MODE=jwt with JWT_JWKS_URL, JWT_ISSUER and JWT_AUDIENCE');
      expect(message).toContain('AUTH_MODE=none');
    }
    expect(refusal({ HOST: '0.0.0.0', AUTH_MODE: 'development' })).toBe(
      'config AUTH_MODE: expected keys, jwt, mtls, a comma-separated combination, or none (development is for a loopback HOST, and HOST is 0.0.0.0), received "development"',
    );
  });

  it('serves a public HOST without authentication only with AUTH_MODE=none said explicitly, and no CORS origin unless listed', () => {
    const { auth, corsOrigins } = loadConfig({ HOST: '0.0.0.0', AUTH_MODE: 'none' });
    expect([auth.mode, corsOrigins]).toEqual(['none', []]);
    expect(loadConfig({ HOST: '0.0.0.0', AUTH_MODE: 'keys', CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('reads AUTH_MODE as a combination of keys, jwt and mtls, each once', () => {
    expect(loadConfig({ HOST: '0.0.0.0', AUTH_MODE: 'keys,jwt', ...JWT }).auth).toMatchObject({ mode: 'authenticated', methods: ['keys', 'jwt'], reflection: 'authenticated' });
    expect(loadConfig({ HOST: '0.0.0.0', AUTH_MODE: 'keys' }).corsOrigins).toEqual([]);
    for (const AUTH_MODE of ['keys,keys', 'password', 'keys,basic']) {
      expect(refusal({ AUTH_MODE })).toBe(`config AUTH_MODE: expected development, none, or a comma-separated combination of keys, jwt and mtls, received ${JSON.stringify(AUTH_MODE)}`);
    }
  });

  it('turns jwt on from its settings when AUTH_MODE is unset, and refuses settings a chosen mode would ignore', () => {
    expect(loadConfig({ HOST: '0.0.0.0', ...JWT }).auth.methods).toEqual(['jwt']);
    expect(refusal({ AUTH_MODE: 'keys', ...JWT })).toBe('config AUTH_MODE: expected a mode including jwt, since JWT_JWKS_URL is set, received "keys"');
  });

  it('needs issuer and audience for JWTs, and accepts only asymmetric algorithms', () => {
    expect(refusal({ AUTH_MODE: 'jwt', JWT_JWKS_URL: JWT.JWT_JWKS_URL, JWT_AUDIENCE: 'images' })).toBe('config JWT_ISSUER: expected a value (AUTH_MODE includes jwt), received ""');
    expect(refusal({ AUTH_MODE: 'jwt', JWT_JWKS_URL: JWT.JWT_JWKS_URL, JWT_ISSUER: 'x' })).toBe('config JWT_AUDIENCE: expected a value (AUTH_MODE includes jwt), received ""');
    expect(refusal({ AUTH_MODE: 'jwt', ...JWT, JWT_JWKS_URL: 'ftp://idp' })).toBe('config JWT_JWKS_URL: expected an http(s) URL, received "ftp://idp"');
    for (const algorithms of ['none', 'HS256', 'RS256,none']) {
      expect(refusal({ AUTH_MODE: 'jwt', ...JWT, JWT_ALGORITHMS: algorithms })).toMatch(/^config JWT_ALGORITHMS: expected a comma-separated list of RS256, RS384/);
    }
    const { jwt } = loadConfig({ AUTH_MODE: 'jwt', ...JWT, JWT_AUDIENCE: 'images,console' }).auth;
    expect(jwt).toMatchObject({ issuer: 'https://idp.example/', audience: ['images', 'console'], algorithms: ['RS256', 'ES256'], clockSkewSeconds: 30, tenantClaim: 'tenant' });
  });

  it('maps mTLS subjects from MTLS_PRINCIPALS (JSON), naming what is wrong', () => {
    const principals = JSON.stringify({ 'CN=svc-a,O=Example': { tenant: 'acme', scopes: ['images:read', 'images:write'] } });
    const { auth } = loadConfig({ HOST: '0.0.0.0', MTLS_PRINCIPALS: principals });
    expect(auth.methods).toEqual(['mtls']);
    expect(auth.mtlsPrincipals.get('CN=svc-a,O=Example')).toEqual({ tenant: 'acme', scopes: ['images:read', 'images:write'] });
    expect(refusal({ AUTH_MODE: 'mtls' })).toBe('config MTLS_PRINCIPALS: expected a value (AUTH_MODE includes mtls), received ""');
    expect(refusal({ MTLS_PRINCIPALS: '{"CN=a": {"tenant": "Acme", "scopes": []}}' })).toMatch(/^config MTLS_PRINCIPALS\["CN=a"\]\.tenant: expected a tenant name/);
    expect(refusal({ MTLS_PRINCIPALS: '{"CN=a": {"tenant": "acme", "scopes": ["everything"]}}' })).toBe(
      'config MTLS_PRINCIPALS["CN=a"].scopes: expected an array of images:read, images:write, images:delete, images:generate, admin, received ["everything"]',
    );
    expect(refusal({ MTLS_PRINCIPALS: 'CN=a=acme' })).toMatch(/^config MTLS_PRINCIPALS: expected a JSON object mapping certificate subjects/);
  });

  it('reads per-caller limits and REFLECTION with their defaults', () => {
    expect(loadConfig({}).auth.limits).toEqual({ requestsPerSecond: 50, burst: 100, generationDailyQuota: 500, redisUrl: undefined });
    expect(loadConfig({ RATE_LIMIT_PER_SECOND: '0.5', REDIS_URL: 'redis://127.0.0.1:6379' }).auth.limits).toMatchObject({ requestsPerSecond: 0.5, redisUrl: 'redis://127.0.0.1:6379' });
    expect(refusal({ RATE_LIMIT_PER_SECOND: '-1' })).toBe('config RATE_LIMIT_PER_SECOND: expected a number from 0 to 1000000, received "-1"');
    expect(refusal({ REDIS_URL: 'localhost:6379' })).toBe('config REDIS_URL: expected redis://host:port or rediss://host:port, received "localhost:6379"');
    expect(refusal({ REFLECTION: 'maybe' })).toBe('config REFLECTION: expected public, authenticated or off, received "maybe"');
    expect(refusal({ API_KEY_PEPPER: 'short' })).toBe('config API_KEY_PEPPER: expected at least 16 characters, received "5 characters"');
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([true, true, true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1'].map(isLoopback)).toEqual([false, false, false, false, false]);
  });
});
