import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { storageUnavailable } from '../errors/index.js';
import type { BlobInfo, BlobStore } from './blob-store.js';
import { isBlobKey } from './blob-key.js';

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/** Blobs as files under one folder, keyed by content hash: the embedded default. */
export class FsBlobStore implements BlobStore {
  readonly name = 'filesystem';

  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    // Keys are content hashes made by the service; refusing anything else keeps a bad key from
    // ever naming a path outside the root.
    if (!isBlobKey(key)) throw new Error(`not a blob key: ${key}`);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const file = this.pathOf(key);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      // Write then rename: a reader sees the whole blob or none, and a crash leaves only a temp file.
      const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temp, data);
      await rename(temp, file);
    } catch (e) {
      throw storageUnavailable(`could not write blob`, e);
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw storageUnavailable('could not read blob', e);
    }
  }

  async openRead(key: string) {
    const file = this.pathOf(key);
    try {
      const { size } = await stat(file);
      return { stream: createReadStream(file), size };
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw storageUnavailable('could not read blob', e);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(this.pathOf(key));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw storageUnavailable('could not check blob', e);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await rm(this.pathOf(key), { force: true });
    } catch (e) {
      throw storageUnavailable('could not delete blob', e);
    }
  }

  async *list(): AsyncIterable<BlobInfo> {
    const base = path.join(this.root, 'sha256');
    let first: string[];
    try {
      first = await readdir(base);
    } catch (e) {
      if (isMissing(e)) return;
      throw storageUnavailable('could not list blobs', e);
    }
    for (const a of first) {
      for (const b of await readdir(path.join(base, a)).catch(() => [] as string[])) {
        for (const name of await readdir(path.join(base, a, b)).catch(() => [] as string[])) {
          const key = `sha256/${a}/${b}/${name}`;
          if (!isBlobKey(key)) continue;
          const s = await stat(path.join(base, a, b, name)).catch(() => undefined);
          if (s) yield { key, size: s.size, lastModified: s.mtime };
        }
      }
    }
  }

  async signedUrl(): Promise<string | undefined> {
    return undefined;
  }

  async close(): Promise<void> {}
}
