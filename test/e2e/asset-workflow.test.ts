import { DEFAULT_TENANT } from '../../src/auth/principal.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { create } from '@bufbuild/protobuf';
import sharp from 'sharp';
import * as grpc from '@grpc/grpc-js';
import { ImageService, UploadImageStreamRequestSchema } from '../../gen/image/v1/image_service_pb.js';
import { ImageKind } from '../../gen/image/v1/asset_pb.js';
import { Health, HealthCheckResponse_ServingStatus as Status } from '../../gen/grpc/health/v1/health_pb.js';
import { grpcJsClient, unary } from '../support/grpc-js-client.js';
import { makeJpeg, makePng } from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { sweepUnreferenced } from '../../src/services/orphan-sweep.js';
import { describeDatabases } from '../support/databases.js';

await describeDatabases('asset workflow end to end', (databaseEnv) => {
  let app: TestApp;
  let grpcClient: any;
  let jpeg: Buffer;

  beforeAll(async () => {
    app = await startTestApp(await databaseEnv());
    grpcClient = grpcJsClient(ImageService, app.address);
    jpeg = await makeJpeg(320, 240);
  });
  afterAll(async () => {
    grpcClient?.close();
    await app?.stop();
  });

  it('uploads with @grpc/grpc-js, reads back with Connect over HTTP/1.1, and the signed URL serves the same bytes', async () => {
    const uploaded: any = await unary(grpcClient, 'uploadImage', {
      $typeName: 'image.v1.UploadImageRequest',
      fileData: jpeg,
      filename: 'gradient.jpg',
      contentType: 'image/jpeg',
      uploaderId: 'user-1',
      metadata: { album: 'tests', tags: ['a', 'b'], nested: { n: 1 } },
    });
    const asset = uploaded.image;
    expect(asset.imageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(asset).toMatchObject({ filename: 'gradient.jpg', contentType: 'image/jpeg', width: 320, height: 240, kind: ImageKind.UPLOADED });
    expect(asset.fileSize).toBe(BigInt(jpeg.length));
    expect(asset.storagePath).toBe(`sha256/${asset.sha256.slice(0, 2)}/${asset.sha256.slice(2, 4)}/${asset.sha256}`);
    expect(asset.details).toMatchObject({ case: 'uploaded', value: { uploaderId: 'user-1', originalFilename: 'gradient.jpg' } });

    const connect = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' }));
    const got = await connect.getImage({ imageId: asset.imageId, includeData: true });
    expect(Buffer.from(got.data).equals(jpeg)).toBe(true);
    expect(got.image?.metadata).toEqual({ album: 'tests', tags: ['a', 'b'], nested: { n: 1 } });
    expect(got.image?.createdAt?.seconds).toBeGreaterThan(0n);

    const signed = await connect.getImageUrl({ imageId: asset.imageId, expiration: { seconds: 120n } });
    expect(signed.url.startsWith(`${app.baseUrl}/files/${asset.imageId}?`)).toBe(true);
    const expiresIn = Number(signed.expiresAt!.seconds) - Date.now() / 1000;
    expect(expiresIn).toBeGreaterThan(100);
    expect(expiresIn).toBeLessThanOrEqual(121);
    const res = await fetch(signed.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('etag')).toBe(`"${asset.sha256}"`);
    expect(res.headers.get('cache-control')).toMatch(/^private, max-age=\d+/);
    expect(Buffer.from(await res.arrayBuffer()).equals(jpeg)).toBe(true);
    const revalidated = await fetch(signed.url, { headers: { 'if-none-match': `"${asset.sha256}"` } });
    expect(revalidated.status).toBe(304);

    const tampered = signed.url.replace(/sig=([^&])/, (_m, c) => `sig=${c === 'A' ? 'B' : 'A'}`);
    expect((await fetch(tampered)).status).toBe(403);
    const otherExpiry = signed.url.replace(/exp=(\d+)/, (_m, e) => `exp=${Number(e) + 1}`);
    expect((await fetch(otherExpiry)).status).toBe(403);
  });

  it('refuses an expired URL with 403', async () => {
    const connect = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' }));
    const { image } = await connect.uploadImage({ fileData: await makePng(), filename: 'x.png' });
    // Sign with the service's own key but an expiry in the past, as an old URL would carry.
    const { UrlSigner } = await import('../../src/storage/url-signer.js');
    const { urlSigningSecrets } = await import('../../src/url-signing-secret.js');
    const signer = new UrlSigner(await urlSigningSecrets({ secrets: [], keyFile: undefined, dataDir: app.dataDir }));
    const past = Math.floor(Date.now() / 1000) - 10;
    const res = await fetch(`${app.baseUrl}${signer.pathFor(DEFAULT_TENANT, image!.imageId, past)}`);
    expect(res.status).toBe(403);
    const fresh = await fetch(`${app.baseUrl}${signer.pathFor(DEFAULT_TENANT, image!.imageId, past + 3600)}`);
    expect(fresh.status).toBe(200);
  });

  it('exports a valid WebP and AVIF, and strips or keeps metadata as asked', async () => {
    const connect = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
    const withExif = await sharp(jpeg).withExif({ IFD0: { Make: 'TestCam', Model: 'T-1' } }).jpeg().toBuffer();
    const { image } = await connect.uploadImage({ fileData: withExif, filename: 'exif.jpg', metadata: { caption: 'hello <world>' } });
    const webp = await connect.exportImage({ imageId: image!.imageId, format: 'webp', quality: 70 });
    expect(webp.contentType).toBe('image/webp');
    const webpMeta = await sharp(webp.data).metadata();
    expect(webpMeta).toMatchObject({ format: 'webp', width: 320, height: 240 });
    expect(webpMeta.exif).toBeUndefined();
    expect(webp.fileSize).toBe(BigInt(webp.data.byteLength));

    const avif = await connect.exportImage({ imageId: image!.imageId, format: 'avif', quality: 50 });
    expect(avif.contentType).toBe('image/avif');
    const avifMeta = await sharp(avif.data).metadata();
    expect(avifMeta.format).toBe('heif');
    expect(avifMeta.compression).toBe('av1');
    expect([avifMeta.width, avifMeta.height]).toEqual([320, 240]);

    const kept = await connect.exportImage({ imageId: image!.imageId, format: 'jpg', includeMetadata: true });
    const keptMeta = await sharp(kept.data).metadata();
    expect(kept.format).toBe('jpeg');
    expect(keptMeta.exif?.toString('latin1')).toContain('TestCam');
    const xmp = keptMeta.xmp?.toString('utf8') ?? '';
    expect(xmp).toContain(image!.imageId);
    expect(xmp).toContain('hello &lt;world&gt;');

    for (const format of ['png', 'jpeg', 'tiff', 'gif']) {
      const out = await connect.exportImage({ imageId: image!.imageId, format });
      expect((await sharp(out.data).metadata()).format).toBe(format);
    }
  });

  it('takes a client-streamed upload larger than one chunk, over gRPC', async () => {
    const big = await makeJpeg(1600, 1200);
    const call = grpcClient.uploadImageStream((err: any, res: any) => {
      call.result = err ?? res;
    });
    const done = new Promise<any>((resolve, reject) => {
      call.on('status', (s: grpc.StatusObject) => (s.code === grpc.status.OK ? resolve(call.result) : reject(call.result)));
    });
    call.write(create(UploadImageStreamRequestSchema, { part: { case: 'header', value: { filename: 'big.jpg', contentType: 'image/jpeg', totalSize: BigInt(big.length) } } }));
    for (let i = 0; i < big.length; i += 16 * 1024) {
      call.write(create(UploadImageStreamRequestSchema, { part: { case: 'chunk', value: big.subarray(i, i + 16 * 1024) } }));
    }
    call.end();
    const res = await done;
    expect(res.image).toMatchObject({ width: 1600, height: 1200, contentType: 'image/jpeg' });
    expect(res.image.fileSize).toBe(BigInt(big.length));
  });

  it('lists newest first with paging and a kind filter, and deletes', async () => {
    const connect = createClient(ImageService, createGrpcWebTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' }));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await connect.uploadImage({ fileData: await makePng(10 + i, 10), filename: `p${i}.png` })).image!.imageId);
    const seen: string[] = [];
    let token = '';
    do {
      const page = await connect.listImages({ pageSize: 2, pageToken: token, kind: ImageKind.UPLOADED });
      expect(page.images.length).toBeLessThanOrEqual(2);
      seen.push(...page.images.map((i) => i.imageId));
      token = page.nextPageToken;
    } while (token);
    expect(new Set(seen).size).toBe(seen.length);
    // Newest first: the five just uploaded lead, in reverse order of upload.
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
    expect((await connect.listImages({ kind: ImageKind.GENERATED })).images).toEqual([]);

    const signed = await connect.getImageUrl({ imageId: ids[0] });
    await connect.deleteImage({ imageId: ids[0] });
    await expect(connect.getImage({ imageId: ids[0] })).rejects.toMatchObject({ code: 5 });
    await expect(connect.deleteImage({ imageId: ids[0] })).rejects.toMatchObject({ code: 5 });
    expect((await fetch(signed.url)).status).toBe(404);
  });

  it('keeps a blob shared by two uploads until the last one is deleted, then sweeps it', async () => {
    const connect = createClient(ImageService, createGrpcTransport({ baseUrl: app.baseUrl }));
    const sweep = () => sweepUnreferenced({ blobs: app.blobs, references: app.db.blobReferences }, 0);
    const bytes = await makePng(33, 33);
    const a = (await connect.uploadImage({ fileData: bytes })).image!;
    const b = (await connect.uploadImage({ fileData: bytes })).image!;
    expect(a.storagePath).toBe(b.storagePath);
    await connect.deleteImage({ imageId: a.imageId });
    expect((await sweep()).removed).not.toContain(b.storagePath);
    expect(await app.blobs.exists(b.storagePath)).toBe(true);
    expect(Buffer.from((await connect.getImage({ imageId: b.imageId, includeData: true })).data).equals(bytes)).toBe(true);
    await connect.deleteImage({ imageId: b.imageId });
    expect(await app.blobs.exists(b.storagePath)).toBe(true);
    expect((await sweep()).removed).toContain(b.storagePath);
    expect(await app.blobs.exists(b.storagePath)).toBe(false);
  });

  it('answers grpc.health.v1 Check and Watch', async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: app.baseUrl }));
    expect((await health.check({})).status).toBe(Status.SERVING);
    expect((await health.check({ service: 'image.v1.ImageService' })).status).toBe(Status.SERVING);
    await expect(health.check({ service: 'nope.v1.Nope' })).rejects.toMatchObject({ code: 5 });
    const abort = new AbortController();
    const first = await health.watch({ service: 'image.v1.ProcessingService' }, { signal: abort.signal })[Symbol.asyncIterator]().next();
    expect(first.value?.status).toBe(Status.SERVING);
    abort.abort();
    // Watch on an unknown service answers SERVICE_UNKNOWN and keeps the stream open.
    const grpcHealth = grpcJsClient(Health, app.address);
    const call = grpcHealth.watch({ $typeName: 'grpc.health.v1.HealthCheckRequest', service: 'unknown.Service' });
    const firstMessage = await new Promise<any>((resolve, reject) => {
      call.once('data', resolve);
      call.once('error', reject);
    });
    expect(firstMessage.status).toBe(Status.SERVICE_UNKNOWN);
    call.cancel();
    grpcHealth.close();
  });
});
