import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkSigningKeys, MIN_SIGNING_KEY_BYTES } from './config.js';
import { configError } from './config-env.js';

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
  return [await dataDirKey(sources.dataDir)];
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

/** The generated key in DATA_DIR: base64 of 32 random bytes, made once. */
async function dataDirKey(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, 'url-signing.key');
  const existing = await readGenerated(file);
  if (existing) return existing;
  const key = randomBytes(MIN_SIGNING_KEY_BYTES);
  await mkdir(dataDir, { recursive: true });
  // Written whole under another name, then linked into place: link() fails if another process made the
  // file meanwhile (then theirs is used), and nobody ever reads a half-written key.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temp, key.toString('base64'), { mode: 0o600 });
  try {
    await link(temp, file);
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return (await readGenerated(file))!;
  } finally {
    await rm(temp, { force: true });
  }
}

async function readGenerated(file: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length < MIN_SIGNING_KEY_BYTES) {
    throw configError(
      'URL_SIGNING_SECRET',
      `a key of at least ${MIN_SIGNING_KEY_BYTES} bytes, or a whole generated key in ${file} (delete the file to make a new key; URLs signed with the old one stop working)`,
      `${file} holding ${key.length} bytes of key`,
    );
  }
  return key;
}
