import { DEFAULT_TENANT } from '../../src/auth/principal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { Fit } from '../../gen/image/v1/operations_pb.js';
import { PaletteType } from '../../gen/image/v1/palette_pb.js';
import { blobKeyFor, sha256Hex } from '../../src/storage/blob-key.js';
import { sweepOrphans, sweepUnreferenced } from '../../src/services/orphan-sweep.js';
import { makeJpeg, makePng } from '../support/fixtures.js';
import { checkMysqlForTests, createTestMysqlDatabase } from '../support/mysql.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const haveMysql = await checkMysqlForTests();

async function unavailable(call: () => Promise<unknown>, reason: string): Promise<void> {
  const err = await call().then(
    () => undefined,
    (e) => ConnectError.from(e),
  );
  expect(err, 'the call should fail').toBeDefined();
  expect(Code[err!.code]).toBe('Unavailable');
  expect(err!.findDetails(ErrorInfoSchema)[0]?.reason).toBe(reason);
}

describe.runIf(haveMysql)('the production path: MariaDB and Azure Blob Storage (Azurite)', () => {
  let azurite: Azurite;
  let azuriteDir: string;
  let proxy: TcpProxy;
  let db: { url: string; drop(): Promise<void> };
  let app: TestApp;
  let client: ReturnType<typeof createClient<typeof ImageService>>;

  beforeAll(async () => {
    azuriteDir = await mkdtemp(path.join(os.tmpdir(), 'imgsvc-azurite-'));
    azurite = await startAzurite({ location: azuriteDir });
    db = await createTestMysqlDatabase();
    // The service reaches MariaDB through a proxy the tests can cut.
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(db.url).port || 3306));
    const viaProxy = new URL(db.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    app = await startTestApp({
      DATABASE_URL: viaProxy.toString(),
      DB_CONNECT_TIMEOUT_MS: '2000',
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      AZURE_STORAGE_CONTAINER: 'images',
    });
    client = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
  });
  afterAll(async () => {
    await app?.stop();
    await proxy?.close();
    await azurite?.stop();
    await db?.drop();
    if (azuriteDir) await rm(azuriteDir, { recursive: true, force: true });
  });

  it('runs the workflow end to end: upload, palette, resize, filter, export, SAS URL download, delete', async () => {
    expect(app.blobs.name).toBe('azure');
    const jpeg = await makeJpeg(640, 480);
    const { image } = await client.uploadImage({ fileData: jpeg, filename: 'prod.jpg' });
    expect(await app.blobs.exists(image!.storagePath)).toBe(true);

    const { palette } = await client.generateColorPalette({ imageId: image!.imageId, numColors: 4, paletteType: PaletteType.DOMINANT });
    expect(palette?.colors).toHaveLength(4);
    expect((await client.getPalette({ paletteId: palette!.paletteId })).palette?.sourceImageId).toBe(image!.imageId);

    const resized = (await client.resizeImage({ imageId: image!.imageId, width: 320, height: 320, fit: Fit.INSIDE })).image!;
    expect([resized.width, resized.height]).toEqual([320, 240]);
    const blurred = (await client.applyFilter({ imageId: resized.imageId, filter: { filterType: { case: 'gaussianBlur', value: { sigma: 2 } } } })).image!;
    expect(await app.blobs.exists(blurred.storagePath)).toBe(true);
    if (blurred.details.case === 'processed') expect(blurred.details.value.sourceImageId).toBe(resized.imageId);
    const webp = await client.exportImage({ imageId: resized.imageId, format: 'webp' });
    expect((await sharp(webp.data).metadata()).format).toBe('webp');

    // On Azure the signed URL is a read-only SAS URL of the blob itself, with the requested expiry.
    const { url, expiresAt } = await client.getImageUrl({ imageId: image!.imageId, expiration: { seconds: 300n } });
    expect(url).toContain(`127.0.0.1:${azurite.port}`);
    const params = new URL(url).searchParams;
    expect(params.get('sp')).toBe('r');
    expect(new Date(params.get('se')!).getTime() / 1000).toBeCloseTo(Number(expiresAt!.seconds), -1);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).equals(jpeg)).toBe(true);

    await client.deleteImage({ imageId: blurred.imageId });
    await client.deleteImage({ imageId: resized.imageId });
    await client.deleteImage({ imageId: image!.imageId });
    await expect(client.getImage({ imageId: image!.imageId })).rejects.toMatchObject({ code: Code.NotFound });
    // The blob goes with the sweep of unreferenced blobs, once past its grace period.
    expect(await app.blobs.exists(image!.storagePath)).toBe(true);
    const swept = await sweepUnreferenced({ blobs: app.blobs, references: app.db.blobReferences }, 0);
    expect(swept.removed).toEqual(expect.arrayContaining([image!.storagePath, resized.storagePath, blurred.storagePath]));
    expect(await app.blobs.exists(image!.storagePath)).toBe(false);
  });

  it('fails with UNAVAILABLE while Azurite is down, keeps serving, and loses nothing', async () => {
    const before = (await client.uploadImage({ fileData: await makePng(30, 20), filename: 'before.png' })).image!;
    const other = await makePng(31, 20);
    await azurite.stop();
    try {
      await unavailable(() => client.uploadImage({ fileData: other }), 'STORAGE_UNAVAILABLE');
      await unavailable(() => client.getImage({ imageId: before.imageId, includeData: true }), 'STORAGE_UNAVAILABLE');
      // Metadata still answers: the service itself is up.
      expect((await client.getImage({ imageId: before.imageId })).image?.filename).toBe('before.png');
    } finally {
      azurite = await startAzurite({ port: azurite.port, location: azuriteDir });
    }
    const data = (await client.getImage({ imageId: before.imageId, includeData: true })).data;
    expect(Buffer.from(data).equals(await makePng(30, 20))).toBe(true);
    const after = (await client.uploadImage({ fileData: await makePng(32, 20) })).image!;
    expect(await app.blobs.exists(after.storagePath)).toBe(true);
    // No row points at a missing blob.
    for (const row of (await app.db.images.list(DEFAULT_TENANT, { limit: 100 })).items) expect(await app.blobs.exists(row.storagePath)).toBe(true);
  });

  it('fails with UNAVAILABLE while the database is unreachable, leaves no dangling row, and recovers', async () => {
    const png = await makePng(40, 40);
    proxy.cut();
    try {
      await unavailable(() => client.uploadImage({ fileData: png, filename: 'during-outage.png' }), 'DATABASE_UNAVAILABLE');
      await unavailable(() => client.listImages({}), 'DATABASE_UNAVAILABLE');
    } finally {
      proxy.restore();
    }
    // The blob of the failed upload may exist (blob first, then row), but no row was written.
    const key = blobKeyFor(sha256Hex(png));
    expect(await app.db.blobReferences.isReferenced(key)).toBe(false);
    const listed = await client.listImages({ pageSize: 100 });
    expect(listed.images.some((i) => i.filename === 'during-outage.png')).toBe(false);
    // After recovery the same upload succeeds, and its blob is the same content-addressed one.
    const retried = (await client.uploadImage({ fileData: png, filename: 'during-outage.png' })).image!;
    expect(retried.storagePath).toBe(key);
    for (const row of (await app.db.images.list(DEFAULT_TENANT, { limit: 100 })).items) expect(await app.blobs.exists(row.storagePath)).toBe(true);
  });

  it('sweeps a planted orphan blob and keeps the live ones', async () => {
    const live = (await client.uploadImage({ fileData: await makePng(50, 50) })).image!;
    const orphan = Buffer.from(await makePng(51, 51));
    const orphanKey = blobKeyFor(sha256Hex(orphan));
    await app.blobs.put(orphanKey, orphan, 'image/png');

    const deps = { blobs: app.blobs, references: app.db.blobReferences };
    const young = await sweepOrphans(deps, { unreferencedMs: 0, orphanMs: 3_600_000 });
    expect(young.removed).not.toContain(orphanKey);
    expect(young.spared).toBeGreaterThanOrEqual(1);

    const result = await sweepOrphans(deps, { unreferencedMs: 0, orphanMs: 0 });
    expect(result.removed).toContain(orphanKey);
    expect(await app.blobs.exists(orphanKey)).toBe(false);
    expect(await app.blobs.exists(live.storagePath)).toBe(true);
    for (const row of (await app.db.images.list(DEFAULT_TENANT, { limit: 100 })).items) expect(result.removed).not.toContain(row.storagePath);
  });
});
