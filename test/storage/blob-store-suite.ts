import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { blobKeyFor, sha256Hex } from '../../src/storage/blob-key.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/**
 * The behaviour every BlobStore must have, run against each implementation (imgproxy's storage
 * testsuite idea): same inputs, same answers. `signs` says whether the store makes its own URLs.
 */
export function describeBlobStore(name: string, make: () => Promise<BlobStore>, options: { signs: boolean }): void {
  describe(`BlobStore contract: ${name}`, () => {
    const blob = () => {
      const data = randomBytes(50_000);
      return { data, key: blobKeyFor(sha256Hex(data)) };
    };

    it('puts, reads back whole and streamed, and reports existence', async () => {
      const store = await make();
      const { data, key } = blob();
      expect(await store.exists(key)).toBe(false);
      await store.put(key, data, 'image/png');
      expect(await store.exists(key)).toBe(true);
      expect((await store.get(key))!.equals(data)).toBe(true);
      const opened = await store.openRead(key);
      expect(opened!.size).toBe(data.length);
      expect((await readAll(opened!.stream)).equals(data)).toBe(true);
    });

    it('answers undefined / false for a missing key, and deletes idempotently', async () => {
      const store = await make();
      const { data, key } = blob();
      expect(await store.get(key)).toBeUndefined();
      expect(await store.openRead(key)).toBeUndefined();
      await store.delete(key);
      await store.put(key, data, 'image/png');
      await store.delete(key);
      expect(await store.exists(key)).toBe(false);
      await store.delete(key);
    });

    it('rewrites the same key harmlessly (content addressing makes retries safe)', async () => {
      const store = await make();
      const { data, key } = blob();
      await store.put(key, data, 'image/png');
      await store.put(key, data, 'image/png');
      expect((await store.get(key))!.equals(data)).toBe(true);
    });

    it('lists what it holds with sizes and times', async () => {
      const store = await make();
      const a = blob();
      const b = blob();
      await store.put(a.key, a.data, 'image/png');
      await store.put(b.key, b.data, 'image/jpeg');
      const listed = new Map<string, { size: number; lastModified: Date }>();
      for await (const info of store.list()) listed.set(info.key, info);
      expect(listed.get(a.key)?.size).toBe(a.data.length);
      expect(listed.get(b.key)?.lastModified).toBeInstanceOf(Date);
    });

    it(options.signs ? 'signs a read-only URL that downloads the blob until it expires' : 'leaves URL signing to the service', async () => {
      const store = await make();
      const { data, key } = blob();
      await store.put(key, data, 'image/webp');
      const url = await store.signedUrl(key, new Date(Date.now() + 60_000), 'image/webp', 'pic.webp');
      if (!options.signs) {
        expect(url).toBeUndefined();
        return;
      }
      const res = await fetch(url!);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/webp');
      expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
      const tampered = url!.replace(/sig=[^&]+/, 'sig=AAAA');
      expect((await fetch(tampered)).status).toBe(403);
      // Read-only: the same URL cannot write.
      expect((await fetch(url!, { method: 'PUT', body: 'x', headers: { 'x-ms-blob-type': 'BlockBlob' } })).status).toBe(403);
      const expired = await store.signedUrl(key, new Date(Date.now() - 1000), 'image/webp', 'pic.webp');
      expect((await fetch(expired!)).status).toBe(403);
    });
  });
}
