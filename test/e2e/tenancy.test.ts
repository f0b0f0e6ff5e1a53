import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { PaletteType } from '../../gen/image/v1/palette_pb.js';
import { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';
import { bearer, createTestKey } from '../support/api-keys.js';
import { failure } from '../support/connect-failure.js';
import { makePng } from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Two tenants on one server: tenant B, holding every scope, on each of tenant A's objects finds nothing
 * (NOT_FOUND, never PERMISSION_DENIED) or gets a result that reveals nothing of A.
 */
describe('tenancy: one tenant never finds another tenant’s objects', () => {
  let app: TestApp;
  let a: ReturnType<typeof bearer>;
  let b: ReturnType<typeof bearer>;
  let images: ReturnType<typeof createClient<typeof ImageService>>;
  let processing: ReturnType<typeof createClient<typeof ProcessingService>>;
  let png: Buffer;
  let imageId: string;
  let paletteId: string;

  const notFound = async (call: Promise<unknown>) => expect((await failure(call)).code).toBe(Code.NotFound);

  beforeAll(async () => {
    app = await startTestApp({ AUTH_MODE: 'keys' });
    a = bearer((await createTestKey(app, 'tenant-a', ['admin'], 'a')).key);
    b = bearer((await createTestKey(app, 'tenant-b', ['admin'], 'b')).key);
    const transport = createGrpcTransport({ baseUrl: app.baseUrl });
    images = createClient(ImageService, transport);
    processing = createClient(ProcessingService, transport);
    png = await makePng(40, 30);
    imageId = (await images.uploadImage({ fileData: png, filename: 'a-secret.png' }, a)).image!.imageId;
    paletteId = (await images.generateColorPalette({ imageId, numColors: 3, paletteType: PaletteType.DOMINANT }, a)).palette!.paletteId;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("answers NOT_FOUND for A's image on GetImage and DeleteImage, and A's image stays", async () => {
    await notFound(images.getImage({ imageId }, b));
    await notFound(images.getImage({ imageId, includeData: true }, b));
    await notFound(images.deleteImage({ imageId }, b));
    expect((await images.getImage({ imageId }, a)).image?.filename).toBe('a-secret.png');
  });

  it("lists none of A's images or palettes to B", async () => {
    expect((await images.listImages({}, b)).images).toEqual([]);
    expect((await images.listImages({ sourceImageId: imageId }, b)).images).toEqual([]);
    expect((await images.listPalettes({}, b)).palettes).toEqual([]);
    expect((await images.listPalettes({ sourceImageId: imageId }, b)).palettes).toEqual([]);
    expect((await images.listImages({}, a)).images.map((i) => i.imageId)).toContain(imageId);
    expect((await images.listPalettes({}, a)).palettes.map((p) => p.paletteId)).toEqual([paletteId]);
  });

  it("answers NOT_FOUND for A's palette, and for A's palette as a recolouring target", async () => {
    await notFound(images.getPalette({ paletteId }, b));
    const bImage = (await images.uploadImage({ fileData: await makePng(20, 20), filename: 'b.png' }, b)).image!.imageId;
    await notFound(images.applyPaletteToImage({ imageId: bImage, target: { case: 'paletteId', value: paletteId } }, b));
    await notFound(images.applyPaletteToImage({ imageId, target: { case: 'colors', value: { hex: ['#ff0000'] } } }, b));
    expect((await images.getPalette({ paletteId }, a)).palette?.paletteId).toBe(paletteId);
  });

  it("answers NOT_FOUND for derived images, palettes, exports and URLs of A's image", async () => {
    await notFound(images.resizeImage({ imageId, width: 10 }, b));
    await notFound(images.cropImage({ imageId, x: 0, y: 0, width: 5, height: 5 }, b));
    await notFound(images.applyFilter({ imageId, filter: { filterType: { case: 'gaussianBlur', value: { sigma: 2 } } } }, b));
    await notFound(images.generateColorPalette({ imageId, numColors: 3, paletteType: PaletteType.DOMINANT }, b));
    await notFound(images.exportImage({ imageId, format: 'png' }, b));
    await notFound(images.getImageUrl({ imageId }, b));
    expect((await images.listImages({ sourceImageId: imageId }, a)).images).toEqual([]);
  });

  it("answers NOT_FOUND for A's image as a composite layer", async () => {
    const layer = { source: { case: 'imageId' as const, value: imageId }, position: { case: 'offset' as const, value: { x: 0, y: 0 } } };
    await notFound(processing.createComposite({ width: 50, height: 50, format: 'png', layers: [layer] }, b));
    expect((await processing.createComposite({ width: 50, height: 50, format: 'png', layers: [layer] }, a)).image?.width).toBe(50);
  });

  it('serves a signed URL for the tenant it was signed for; another tenant in it is refused', async () => {
    const { url } = await images.getImageUrl({ imageId }, a);
    expect(new URL(url).searchParams.get('t')).toBe('tenant-a');
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(png)).toBe(true);
    const tampered = new URL(url);
    tampered.searchParams.set('t', 'tenant-b');
    expect((await fetch(tampered)).status).toBe(403);
    tampered.searchParams.delete('t');
    expect((await fetch(tampered)).status).toBe(403);
  });

  it("never serves A's cached variation to B: same bytes and cache_key, cached=false", async () => {
    const request = { imageData: png, variationConfigs: [{ id: 'v', resize: { width: 12, maintainAspectRatio: true }, format: 'png' }], cacheKey: 'same-key' };
    const cachedOf = async (auth: ReturnType<typeof bearer>) => {
      const out = [];
      for await (const m of processing.generateVariations(request, auth)) out.push(m.cached);
      return out;
    };
    expect(await cachedOf(a)).toEqual([false]);
    expect(await cachedOf(a)).toEqual([true]);
    expect(await cachedOf(b)).toEqual([false]);
    expect(await cachedOf(b)).toEqual([true]);
  });

  it("dedupes derived images within a tenant only: B's resize of identical bytes is B's own record", async () => {
    const aResized = (await images.resizeImage({ imageId, width: 20 }, a)).image!;
    const bSource = (await images.uploadImage({ fileData: png, filename: 'b-copy.png' }, b)).image!.imageId;
    const bResized = (await images.resizeImage({ imageId: bSource, width: 20 }, b)).image!;
    expect(bResized.imageId).not.toBe(aResized.imageId);
    expect(bResized.details).toEqual({ case: 'processed', value: expect.objectContaining({ sourceImageId: bSource }) });
    expect((await images.listImages({ sourceImageId: bSource }, b)).images.map((i) => i.imageId)).toEqual([bResized.imageId]);
    await notFound(images.getImage({ imageId: aResized.imageId }, b));
    // B deleting its copy leaves A's result and its bytes in place.
    await images.deleteImage({ imageId: bResized.imageId }, b);
    const again = await images.getImage({ imageId: aResized.imageId, includeData: true }, a);
    expect(again.data.byteLength).toBeGreaterThan(0);
  });
});
