import { DEFAULT_TENANT } from '../../src/auth/principal.js';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { Database } from '../../src/persistence/repositories.js';
import type { BlobStore } from '../../src/storage/blob-store.js';

/** A tiny PNG no other call of this process makes: its 4x4 pixels are a random salt plus `n`. */
const salt = randomBytes(40);
export function distinctPng(n: number): Promise<Buffer> {
  const pixels = Buffer.alloc(48, salt);
  pixels.writeUInt32BE(n >>> 0, 0);
  return sharp(pixels, { raw: { width: 4, height: 4, channels: 3 } }).png().toBuffer();
}

/** Every image row, page by page. */
async function allImageRows(db: Database) {
  const rows = [];
  let cursor: string | undefined;
  do {
    const page = await db.images.list(DEFAULT_TENANT, { limit: 100, cursor });
    rows.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}

/** The rows whose blob is missing from the store: what "nothing lost" requires to be empty. */
export async function rowsWithoutBlob(db: Database, blobs: BlobStore): Promise<string[]> {
  const missing: string[] = [];
  for (const row of await allImageRows(db)) if (!(await blobs.exists(row.storagePath))) missing.push(row.id);
  return missing;
}

/** Every key in the store. */
async function storedKeys(blobs: BlobStore): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const blob of blobs.list()) keys.add(blob.key);
  return keys;
}

/**
 * The state once everything has settled and a full sweep at zero grace has run: every row's blob is
 * stored (nothing lost), and every stored blob has a row (nothing left behind).
 */
export async function settledState(db: Database, blobs: BlobStore): Promise<{ rows: number; missing: string[]; unreferenced: string[] }> {
  const rows = await allImageRows(db);
  const keys = await storedKeys(blobs);
  const referenced = new Set(rows.map((r) => r.storagePath));
  return {
    rows: rows.length,
    missing: rows.filter((r) => !keys.has(r.storagePath)).map((r) => r.id),
    unreferenced: [...keys].filter((k) => !referenced.has(k)),
  };
}

/** `npm run sweep` as its own process (`src/sweep.ts`) with `env`; resolves with what it printed. */
export function runSweepCli(env: Record<string, string>): Promise<{ scanned: number; removed: number; spared: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/sweep.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`sweep exited with ${code}: ${out}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch (e) {
        reject(new Error(`sweep printed no result: ${out}`, { cause: e }));
      }
    });
  });
}
