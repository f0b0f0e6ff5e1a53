import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The HMAC key for signed URLs: URL_SIGNING_SECRET when set (required when several instances share
 * traffic), otherwise a random key kept in DATA_DIR so URLs survive a restart of a single instance.
 */
export async function urlSigningSecret(configured: string | undefined, dataDir: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  const file = path.join(dataDir, 'url-signing.key');
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const key = randomBytes(32);
  await mkdir(dataDir, { recursive: true });
  // 'wx' fails if another process created it meanwhile; then read theirs.
  try {
    await writeFile(file, key.toString('base64'), { flag: 'wx', mode: 0o600 });
    return key;
  } catch {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  }
}
