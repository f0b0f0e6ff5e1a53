import { apiKeyPepper } from '../../src/auth/api-key-secret.js';
import { ApiKeys } from '../../src/auth/api-keys.js';
import type { Scope } from '../../src/auth/principal.js';
import type { TestApp } from './test-app.js';

/** A new API key on a running test app, made as `npm run keys -- create` makes it (same database and pepper). */
export async function createTestKey(app: TestApp, tenant: string, scopes: Scope[], name = 'test'): Promise<{ id: string; key: string }> {
  const keys = new ApiKeys(app.db.apiKeys, { pepper: await apiKeyPepper(app.config.auth.apiKeyPepper, app.config.dataDir) });
  const { record, key } = await keys.create({ tenant, scopes, name });
  return { id: record.id, key };
}

/** Call options carrying `authorization: Bearer <credential>`. */
export function bearer(credential: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${credential}` } };
}
