import { isIP } from 'node:net';
import { AppError } from '../errors/index.js';
import { configError, int, num, str, url, type Env } from '../config-env.js';
import { isScope, TENANT_EXPECTED, TENANT_PATTERN, type Scope } from './principal.js';

/** The ways a caller can prove who it is. */
export type AuthMethod = 'keys' | 'jwt' | 'mtls';

export interface JwtConfig {
  jwksUrl: URL;
  issuer: string;
  /** Accepted `aud` values; a token needs one of them. */
  audience: string[];
  algorithms: string[];
  clockSkewSeconds: number;
  /** The claim naming the caller's tenant. */
  tenantClaim: string;
  /** How long fetched keys are used before they are fetched again. */
  jwksCacheSeconds: number;
  /** Least time between two fetches, also when a token names a key id not yet seen. */
  jwksCooldownSeconds: number;
  jwksTimeoutMs: number;
}

/** What a verified client certificate's subject stands for. */
interface MtlsPrincipal {
  tenant: string;
  scopes: Scope[];
}

export interface AuthConfig {
  /**
   * development: anonymous callers are the default tenant with every scope (loopback only); none: the
   * same, anywhere, on purpose; authenticated: every RPC but health needs credentials of `methods`.
   */
  mode: 'development' | 'none' | 'authenticated';
  methods: AuthMethod[];
  /** HMAC key for API key hashes; default a random key kept in <DATA_DIR>/api-key-pepper.key. */
  apiKeyPepper: string | undefined;
  jwt: JwtConfig | undefined;
  /** Certificate subject → principal. */
  mtlsPrincipals: Map<string, MtlsPrincipal>;
  /** Server reflection: served to anyone, to authenticated callers, or not at all. */
  reflection: 'public' | 'authenticated' | 'off';
  limits: {
    /** Calls per second per principal; 0 turns request limiting off. */
    requestsPerSecond: number;
    /** Calls beyond the rate a principal may make in a burst. */
    burst: number;
    /** Images each tenant may generate per UTC day; 0 = no quota. */
    generationDailyQuota: number;
    /** Shared counters for every instance; unset keeps them in this process. */
    redisUrl: string | undefined;
  };
}

/** Asymmetric JWS algorithms: a JWKS publishes public keys, so HS* and `none` have no place here. */
const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const METHODS: readonly AuthMethod[] = ['keys', 'jwt', 'mtls'];

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const address = host.replace(/^\[(.*)\]$/, '$1').replace(/^::ffff:/i, '');
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1';
}

function list(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

function authMode(env: Env, host: string): Pick<AuthConfig, 'mode' | 'methods'> {
  const raw = str(env, 'AUTH_MODE');
  if (raw === undefined) {
    // Settings that only make sense with a method turn it on; API keys live in the database, so they
    // are chosen by AUTH_MODE alone.
    const inferred = METHODS.filter((m) => (m === 'jwt' && str(env, 'JWT_JWKS_URL')) || (m === 'mtls' && str(env, 'MTLS_PRINCIPALS')));
    if (inferred.length > 0) return { mode: 'authenticated', methods: inferred };
    if (isLoopback(host)) return { mode: 'development', methods: [] };
    throw new AppError(
      'invalid_argument',
      `HOST=${host} is not a loopback address and no authentication is configured. Set AUTH_MODE=keys (API keys, created with ` +
        '`npm run keys -- create --tenant <tenant> --scopes <scopes> --name <name>`), AUTH_MODE=jwt with JWT_JWKS_URL, JWT_ISSUER and ' +
        'JWT_AUDIENCE, AUTH_MODE=mtls with MTLS_PRINCIPALS (or a combination, e.g. AUTH_MODE=keys,jwt); or AUTH_MODE=none to serve every ' +
        'caller without authentication, only behind a gateway that authenticates them',
      { reason: 'AUTHENTICATION_NOT_CONFIGURED' },
    );
  }
  if (raw === 'development') {
    if (!isLoopback(host)) {
      throw configError('AUTH_MODE', `keys, jwt, mtls, a comma-separated combination, or none (development is for a loopback HOST, and HOST is ${host})`, raw);
    }
    return { mode: 'development', methods: [] };
  }
  if (raw === 'none') return { mode: 'none', methods: [] };
  const methods = list(raw);
  const unknown = methods.filter((m) => !(METHODS as readonly string[]).includes(m));
  if (methods.length === 0 || unknown.length > 0 || new Set(methods).size !== methods.length) {
    throw configError('AUTH_MODE', 'development, none, or a comma-separated combination of keys, jwt and mtls', raw);
  }
  return { mode: 'authenticated', methods: methods as AuthMethod[] };
}

function required(env: Env, name: string, why: string): string {
  const value = str(env, name);
  if (value === undefined) throw configError(name, `a value (${why})`, '');
  return value;
}

function jwtConfig(env: Env): JwtConfig {
  const why = 'AUTH_MODE includes jwt';
  const algorithms = list(str(env, 'JWT_ALGORITHMS') ?? 'RS256,ES256');
  const bad = algorithms.filter((a) => !JWT_ALGORITHMS.includes(a));
  if (algorithms.length === 0 || bad.length > 0) throw configError('JWT_ALGORITHMS', `a comma-separated list of ${JWT_ALGORITHMS.join(', ')}`, str(env, 'JWT_ALGORITHMS'));
  const audience = list(required(env, 'JWT_AUDIENCE', why));
  return {
    jwksUrl: new URL(url('JWT_JWKS_URL', required(env, 'JWT_JWKS_URL', why))),
    issuer: required(env, 'JWT_ISSUER', why),
    audience,
    algorithms,
    clockSkewSeconds: int(env, 'JWT_CLOCK_SKEW_SECONDS', 30, 0, 600),
    tenantClaim: str(env, 'JWT_TENANT_CLAIM') ?? 'tenant',
    jwksCacheSeconds: int(env, 'JWT_JWKS_CACHE_SECONDS', 600, 0, 86_400),
    jwksCooldownSeconds: int(env, 'JWT_JWKS_COOLDOWN_SECONDS', 30, 0, 3600),
    jwksTimeoutMs: int(env, 'JWT_JWKS_TIMEOUT_MS', 5000, 100, 60_000),
  };
}

const MTLS_EXPECTED = 'a JSON object mapping certificate subjects to {"tenant": "<tenant>", "scopes": ["images:read", ...]}';

function mtlsPrincipals(raw: string | undefined): Map<string, MtlsPrincipal> {
  const out = new Map<string, MtlsPrincipal>();
  if (raw === undefined) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw configError('MTLS_PRINCIPALS', MTLS_EXPECTED, raw);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw configError('MTLS_PRINCIPALS', MTLS_EXPECTED, raw);
  for (const [subject, value] of Object.entries(parsed)) {
    const at = `MTLS_PRINCIPALS[${JSON.stringify(subject)}]`;
    const { tenant, scopes } = (value ?? {}) as { tenant?: unknown; scopes?: unknown };
    if (typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant)) throw configError(`${at}.tenant`, TENANT_EXPECTED, tenant);
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string' && isScope(s))) {
      throw configError(`${at}.scopes`, 'an array of images:read, images:write, images:delete, images:generate, admin', scopes);
    }
    out.set(subject, { tenant, scopes });
  }
  return out;
}

/** Authentication, authorisation and per-caller limits, from the environment; `host` is HOST. */
export function loadAuthConfig(env: Env, host: string): AuthConfig {
  const { mode, methods } = authMode(env, host);
  for (const [method, variable] of [['jwt', 'JWT_JWKS_URL'], ['mtls', 'MTLS_PRINCIPALS']] as const) {
    if (str(env, variable) !== undefined && !methods.includes(method)) {
      throw configError('AUTH_MODE', `a mode including ${method}, since ${variable} is set`, str(env, 'AUTH_MODE') ?? mode);
    }
  }
  const pepper = str(env, 'API_KEY_PEPPER');
  if (pepper !== undefined && pepper.length < 16) throw configError('API_KEY_PEPPER', 'at least 16 characters', `${pepper.length} characters`);
  const reflection = str(env, 'REFLECTION') ?? (mode === 'authenticated' ? 'authenticated' : 'public');
  if (!['public', 'authenticated', 'off'].includes(reflection)) throw configError('REFLECTION', 'public, authenticated or off', reflection);
  const redisUrl = str(env, 'REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/[^/]/.test(redisUrl)) throw configError('REDIS_URL', 'redis://host:port or rediss://host:port', redisUrl.replace(/\/\/[^@]*@/, '//***@'));
  return {
    mode,
    methods,
    apiKeyPepper: pepper,
    jwt: methods.includes('jwt') ? jwtConfig(env) : undefined,
    mtlsPrincipals: methods.includes('mtls') ? mtlsPrincipals(required(env, 'MTLS_PRINCIPALS', 'AUTH_MODE includes mtls')) : new Map<string, MtlsPrincipal>(),
    reflection: reflection as AuthConfig['reflection'],
    limits: {
      requestsPerSecond: num(env, 'RATE_LIMIT_PER_SECOND', 50, 0, 1_000_000),
      burst: int(env, 'RATE_LIMIT_BURST', 100, 0, 1_000_000),
      generationDailyQuota: int(env, 'GENERATION_DAILY_QUOTA', 500, 0, 100_000_000),
      redisUrl,
    },
  };
}

/** How the start line describes authentication. */
export function describeAuth(auth: AuthConfig): string {
  if (auth.mode === 'development') return 'development mode: anonymous callers act as the default tenant with every scope (loopback only)';
  if (auth.mode === 'none') return 'AUTH_MODE=none: no authentication, every caller acts as the default tenant with every scope';
  return `authentication required (${auth.methods.join(', ')})`;
}
