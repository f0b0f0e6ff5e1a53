import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { serverSecret } from '../server-secret.js';

/**
 * `isk_<id>_<secret>`: a recognisable prefix (secret scanners and people can tell what leaked), the
 * key's id for a lookup by primary key, and 256 random bits. base64url may itself contain '_', so the
 * id has a fixed length and everything after it is the secret.
 */
const KEY_PATTERN = /^isk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
export const API_KEY_PREFIX = 'isk_';

export function newApiKey(): { id: string; key: string } {
  const id = randomBytes(8).toString('hex');
  return { id, key: `${API_KEY_PREFIX}${id}_${randomBytes(32).toString('base64url')}` };
}

/** The key's id, or undefined when the text is not shaped like a key. */
export function apiKeyId(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/**
 * HMAC-SHA256 under the server's pepper: a stolen table of hashes is useless without the pepper, and
 * the keys are random enough that no slow hash is needed.
 */
export function hashApiKey(pepper: Buffer, key: string): string {
  return createHmac('sha256', pepper).update(key, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex hashes. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The pepper: API_KEY_PEPPER, or a random key kept in DATA_DIR/api-key-pepper.key (shared by the service and `npm run keys`). */
export function apiKeyPepper(configured: string | undefined, dataDir: string): Promise<Buffer> {
  return serverSecret(configured, dataDir, 'api-key-pepper.key', 'API_KEY_PEPPER');
}
