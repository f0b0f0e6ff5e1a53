import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { configError } from './config-env.js';

/** Bytes of a generated key, and the fewest a key kept in a file may have. */
const GENERATED_KEY_BYTES = 32;

/**
 * A server-side key: the configured value when set (required when several instances share traffic or
 * a database), otherwise a random key kept in DATA_DIR/<fileName> so what it signed or hashed survives
 * a restart of a single instance. `variable` names the setting in errors.
 */
export async function serverSecret(configured: string | undefined, dataDir: string, fileName: string, variable: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  return generatedKey(path.join(dataDir, fileName), variable);
}

/** The key kept in `file`: base64 of 32 random bytes, made once. */
export async function generatedKey(file: string, variable: string): Promise<Buffer> {
  const existing = await readGenerated(file, variable);
  if (existing) return existing;
  const key = randomBytes(GENERATED_KEY_BYTES);
  await mkdir(path.dirname(file), { recursive: true });
  // Written whole under another name, then linked into place: link() fails if another process made the
  // file meanwhile (then theirs is used), and nobody ever reads a half-written key.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temp, key.toString('base64'), { mode: 0o600 });
  try {
    await link(temp, file);
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return (await readGenerated(file, variable))!;
  } finally {
    await rm(temp, { force: true });
  }
}

/** An empty or cut key file stops the start: an empty HMAC key would sign anything anyone can compute. */
async function readGenerated(file: string, variable: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length < GENERATED_KEY_BYTES) {
    throw configError(
      variable,
      `a key of at least ${GENERATED_KEY_BYTES} bytes, or a whole generated key in ${file} (delete the file to make a new key; what the old one signed stops verifying)`,
      `${file} holding ${key.length} bytes of key`,
    );
  }
  return key;
}
