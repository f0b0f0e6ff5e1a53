import { serverSecret } from './server-secret.js';

/** The HMAC key for signed URLs: URL_SIGNING_SECRET, or a random key kept in DATA_DIR/url-signing.key. */
export function urlSigningSecret(configured: string | undefined, dataDir: string): Promise<Buffer> {
  return serverSecret(configured, dataDir, 'url-signing.key');
}
