/** What a caller may do. `admin` holds every other scope too. */
export const SCOPES = ['images:read', 'images:write', 'images:delete', 'images:generate', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** The tenant anonymous callers act as in development mode, and that rows without one belong to. */
export const DEFAULT_TENANT = 'default';

/**
 * Who is calling, established once per call by the authentication interceptor and handed to the cores
 * with the call (CallOptions.principal). The tenant is what every stored object will belong to.
 */
export interface Principal {
  tenant: string;
  /** Stable id of the caller within its issuer: `key:<id>`, a JWT `sub`, a certificate subject. */
  subject: string;
  scopes: ReadonlySet<Scope>;
  kind: 'anonymous-dev' | 'api-key' | 'jwt' | 'mtls';
  /** For API keys: the key's id (never its secret). */
  keyId?: string;
}

/** Tenant names: lower-case letters, digits, '-' and '_', 1 to 64 characters. */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const TENANT_EXPECTED = "a tenant name of 1 to 64 lower-case letters, digits, '-' and '_', starting with a letter or digit";

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope) || principal.scopes.has('admin');
}

/** The caller of development mode (and AUTH_MODE=none): the default tenant with every scope. */
export function anonymousPrincipal(): Principal {
  return { tenant: DEFAULT_TENANT, subject: 'anonymous', scopes: new Set(SCOPES), kind: 'anonymous-dev' };
}

/**
 * The uploader recorded on an upload: an authenticated caller is its own subject, whatever the request
 * says; an anonymous one (development mode) may name one.
 */
export function uploaderOf(principal: Principal | undefined, requested: string): string {
  return principal && principal.kind !== 'anonymous-dev' ? principal.subject : requested;
}
