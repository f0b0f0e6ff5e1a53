import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { Fit } from '../../gen/image/v1/operations_pb.js';
import { AssetService } from '../../src/services/asset-service.js';
import { sweepUnreferenced } from '../../src/services/orphan-sweep.js';
import { UrlSigner } from '../../src/storage/url-signer.js';
import { makeJpeg, makePng } from '../support/fixtures.js';
import { describeDatabases } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

await describeDatabases('derived images of identical uploads', (databaseEnv) => {
  let app: TestApp;
  let client: ReturnType<typeof createClient<typeof ImageService>>;

  beforeAll(async () => {
    app = await startTestApp(await databaseEnv());
    client = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("gives each source its own derived record, sharing only the bytes", async () => {
    const bytes = await makeJpeg(200, 150);
    const a = (await client.uploadImage({ fileData: bytes, filename: 'alice.jpg', uploaderId: 'alice', metadata: { owner: 'alice' } })).image!;
    const b = (await client.uploadImage({ fileData: bytes, filename: 'bob.jpg', uploaderId: 'bob', metadata: { owner: 'bob' } })).image!;
    expect(b.storagePath).toBe(a.storagePath);

    const resize = { width: 50, height: 50, fit: Fit.COVER };
    const ra = (await client.resizeImage({ imageId: a.imageId, ...resize })).image!;
    const completed = app.pool.stats().completed;
    const rb = (await client.resizeImage({ imageId: b.imageId, ...resize })).image!;

    expect(rb.imageId).not.toBe(ra.imageId);
    expect(rb.details.case === 'processed' && rb.details.value.sourceImageId).toBe(b.imageId);
    expect(rb.filename).toBe('bob-resize.jpg');
    expect(rb.metadata).toEqual({ owner: 'bob' });
    // The bytes are shared: the same blob, and the pool did not run the resize again.
    expect(rb.storagePath).toBe(ra.storagePath);
    expect(app.pool.stats().completed).toBe(completed);

    // Each source's lineage lists only its own result; repeating an operation returns that result.
    expect((await client.listImages({ sourceImageId: a.imageId })).images.map((i) => i.imageId)).toEqual([ra.imageId]);
    expect((await client.listImages({ sourceImageId: b.imageId })).images.map((i) => i.imageId)).toEqual([rb.imageId]);
    expect((await client.resizeImage({ imageId: b.imageId, ...resize })).image!.imageId).toBe(rb.imageId);
    expect((await client.resizeImage({ imageId: a.imageId, ...resize })).image!.imageId).toBe(ra.imageId);

    // Deleting one owner's result, and sweeping, leaves the other's readable.
    await client.deleteImage({ imageId: ra.imageId });
    await sweepUnreferenced({ blobs: app.blobs, references: app.db.blobReferences }, 0);
    const data = (await client.getImage({ imageId: rb.imageId, includeData: true })).data;
    expect(data.byteLength).toBe(Number(rb.fileSize));
  });

  it('stores no record sharing bytes that were swept meanwhile, so the caller makes them again', async () => {
    const assets = new AssetService({
      db: app.db,
      blobs: app.blobs,
      images: app.pool,
      signer: new UrlSigner(Buffer.alloc(32, 1)),
      publicBaseUrl: () => app.baseUrl,
      limits: { maxUploadBytes: 1 << 20, maxMetadataBytes: 1024 },
      urls: { defaultExpirySeconds: 60, maxExpirySeconds: 60 },
    });
    const info = { kind: 'uploaded' as const, filename: 'x.png', declaredContentType: 'image/png', metadata: null };
    const first = await assets.store({ ...info, data: await makePng(21, 13) }, 'file_data');
    await assets.delete(first.id);
    expect((await sweepUnreferenced({ blobs: app.blobs, references: app.db.blobReferences }, 0)).removed).toContain(first.storagePath);
    expect(await assets.storeSharing(first, info)).toBeUndefined();
    expect(await app.db.blobReferences.isReferenced(first.storagePath)).toBe(false);
    // With the blob there, the record is stored and shares it.
    const second = await assets.store({ ...info, data: await makePng(21, 13) }, 'file_data');
    const sharing = await assets.storeSharing(second, { ...info, filename: 'y.png' });
    expect(sharing?.storagePath).toBe(second.storagePath);
    expect(sharing?.id).not.toBe(second.id);
  });
});
