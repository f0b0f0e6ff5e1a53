import type { Scope } from '../auth/principal.js';

/** A stored API key: who it speaks for and what it may do; its secret is kept only as a keyed hash. */
export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name: string;
  scopes: Scope[];
  /** Hex HMAC-SHA256 of the whole key under the server's pepper. */
  keyHash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}
