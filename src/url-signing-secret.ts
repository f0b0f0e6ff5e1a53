import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkSigningKeys } from './config.js';
import { configError } from './config-env.js';
import { generatedKey } from './server-secret.js';

export interface SigningKeySources {
  /** Keys from the environment, newest first, already checked for length. */
  secrets: readonly string[];
  /** A file with one key per line, newest first. */
  keyFile: string | undefined;
  dataDir: string;
}

/**
 * The HMAC keys for signed URLs, newest first (the first signs, all verify): URL_SIGNING_SECRETS or
 * URL_SIGNING_SECRET (required when several instances share traffic), or URL_SIGNING_KEY_FILE,
 * otherwise a random key kept in DATA_DIR so URLs survive a restart of a single instance. A key file
 * that is empty or holds a short key stops the start: an empty HMAC key would sign anything anyone can
 * compute.
 */
export async function urlSigningSecrets(sources: SigningKeySources): Promise<Buffer[]> {
  if (sources.secrets.length > 0) return sources.secrets.map((s) => Buffer.from(s, 'utf8'));
  if (sources.keyFile) return readKeyFile(sources.keyFile);
  return [await generatedKey(path.join(sources.dataDir, 'url-signing.key'), 'URL_SIGNING_SECRET')];
}

async function readKeyFile(file: string): Promise<Buffer[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw configError('URL_SIGNING_KEY_FILE', 'a readable file with one key per line', `${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const keys = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  if (keys.length === 0) throw configError('URL_SIGNING_KEY_FILE', 'one key per line', `${file}: no key in it`);
  checkSigningKeys('URL_SIGNING_KEY_FILE', keys, `${file}: `);
  return keys.map((k) => Buffer.from(k, 'utf8'));
}
