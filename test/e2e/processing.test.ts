import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import sharp from 'sharp';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { ProcessForExportRequestSchema, ProcessingService, ProcessingServiceGenerateVariationsRequestSchema } from '../../gen/image/v1/processing_service_pb.js';
import { create } from '@bufbuild/protobuf';
import { Fit, Gravity } from '../../gen/image/v1/operations_pb.js';
import { ImageKind } from '../../gen/image/v1/asset_pb.js';
import { collectStream, grpcJsClient } from '../support/grpc-js-client.js';
import { makeJpeg } from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { describeDatabases } from '../support/databases.js';

await describeDatabases('processing stored images', (databaseEnv) => {
  let app: TestApp;
  let client: ReturnType<typeof createClient<typeof ImageService>>;
  let sourceId: string;

  beforeAll(async () => {
    app = await startTestApp(await databaseEnv());
    client = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
    sourceId = (await client.uploadImage({ fileData: await makeJpeg(400, 300), filename: 'src.jpg' })).image!.imageId;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('resizes inside the box with maintain_aspect_ratio, fills it without, and stores the lineage', async () => {
    const inside = (await client.resizeImage({ imageId: sourceId, width: 200, height: 200, maintainAspectRatio: true })).image!;
    expect([inside.width, inside.height]).toEqual([200, 150]);
    expect(inside.kind).toBe(ImageKind.PROCESSED);
    expect(inside.details.case).toBe('processed');
    if (inside.details.case === 'processed') {
      expect(inside.details.value.sourceImageId).toBe(sourceId);
      expect(inside.details.value.processingType).toBe('resize');
      expect(inside.details.value.processingParams?.operation.case).toBe('resize');
      expect(inside.details.value.processingParams?.format).toBe('jpeg');
    }
    const fill = (await client.resizeImage({ imageId: sourceId, width: 200, height: 200, maintainAspectRatio: false, format: 'png' })).image!;
    expect([fill.width, fill.height, fill.contentType]).toEqual([200, 200, 'image/png']);
    const data = (await client.getImage({ imageId: fill.imageId, includeData: true })).data;
    expect(await sharp(data).metadata()).toMatchObject({ width: 200, height: 200, format: 'png' });

    const lineage = await client.listImages({ sourceImageId: sourceId });
    expect(lineage.images.map((i) => i.imageId).sort()).toEqual([inside.imageId, fill.imageId].sort());
  });

  it('offers cover with gravity, contain with a background, and without_enlargement', async () => {
    const cover = (await client.resizeImage({ imageId: sourceId, width: 100, height: 100, fit: Fit.COVER, gravity: Gravity.ATTENTION })).image!;
    expect([cover.width, cover.height]).toEqual([100, 100]);
    const contain = (await client.resizeImage({ imageId: sourceId, width: 100, height: 100, fit: Fit.CONTAIN, backgroundColor: '#ff0000', format: 'png' })).image!;
    const { data, info } = await sharp((await client.getImage({ imageId: contain.imageId, includeData: true })).data).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([100, 100]);
    // The 4:3 image is letterboxed: the top row is the red background.
    expect([data[0], data[1], data[2]]).toEqual([255, 0, 0]);
    const noEnlarge = (await client.resizeImage({ imageId: sourceId, width: 4000, maintainAspectRatio: true, withoutEnlargement: true })).image!;
    expect([noEnlarge.width, noEnlarge.height]).toEqual([400, 300]);
  });

  it('returns the stored result for the same operation on the same source', async () => {
    const a = (await client.resizeImage({ imageId: sourceId, width: 64, height: 64, fit: Fit.COVER })).image!;
    const b = (await client.resizeImage({ imageId: sourceId, width: 64, height: 64, fit: Fit.COVER })).image!;
    expect(b.imageId).toBe(a.imageId);
    const c = (await client.resizeImage({ imageId: sourceId, width: 64, height: 65, fit: Fit.COVER })).image!;
    expect(c.imageId).not.toBe(a.imageId);
  });

  it('crops, and a region outside the image states the image size', async () => {
    const cropped = (await client.cropImage({ imageId: sourceId, x: 10, y: 20, width: 100, height: 50 })).image!;
    expect([cropped.width, cropped.height]).toEqual([100, 50]);
    const err = await client.cropImage({ imageId: sourceId, x: 350, y: 0, width: 100, height: 50 }).catch((e) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    expect((err as ConnectError).rawMessage).toMatch(/^region: expected a region inside the 400x300 image, received/);
  });

  it('rejects absurd resize sizes', async () => {
    const bad = async (req: Parameters<typeof client.resizeImage>[0], message: RegExp) => {
      const err = ConnectError.from(await client.resizeImage(req).catch((e) => e));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toMatch(message);
    };
    await bad({ imageId: sourceId, width: -5, height: 10 }, /^width: expected an integer from 0 to 16384, received -5$/);
    await bad({ imageId: sourceId, width: 100000, height: 10 }, /^width: expected an integer from 0 to 16384, received 100000$/);
    await bad({ imageId: sourceId, width: 0, height: 0 }, /^width: expected a width, a height or both/);
    await bad({ imageId: sourceId, width: 10, height: 10, format: 'bmp' }, /^format: expected one of png, jpeg, jpg, webp, avif, tiff, gif, received "bmp"$/);
  });
});

describe('ProcessingService over the pool', () => {
  let app: TestApp;
  let processing: ReturnType<typeof createClient<typeof ProcessingService>>;

  beforeAll(async () => {
    app = await startTestApp({ WORKER_THREADS: '2' });
    processing = createClient(ProcessingService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('takes a large request image over every protocol, whether its bytes are handed to the worker or copied', async () => {
    // Noise does not compress: well over the size from which a request's bytes are moved, not copied.
    const input = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).jpeg({ quality: 100 }).toBuffer();
    expect(input.length).toBeGreaterThan(200 * 1024);
    const one = { imageData: input, variationConfigs: [{ id: 'a', resize: { width: 40, maintainAspectRatio: true }, format: 'png' }] };
    const two = { imageData: input, variationConfigs: [one.variationConfigs[0], { id: 'b', resize: { width: 20, maintainAspectRatio: true }, format: 'png' }] };
    const widths = async (messages: AsyncIterable<{ id: string; image?: { data: Uint8Array } }>) => {
      const out: Record<string, number> = {};
      for await (const m of messages) out[m.id] = (await sharp(m.image!.data).metadata()).width;
      return out;
    };
    const transports = [
      createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' }),
      createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1', useBinaryFormat: false }),
      createGrpcWebTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' }),
      createGrpcTransport({ baseUrl: app.baseUrl }),
    ];
    for (const transport of transports) {
      const c = createClient(ProcessingService, transport);
      expect(await widths(c.generateVariations(one))).toEqual({ a: 40 });
      expect(await widths(c.generateVariations(two))).toEqual({ a: 40, b: 20 });
      const exported = await c.processForExport({ imageData: input, format: 'webp', resize: { width: 30, maintainAspectRatio: true } });
      expect((await sharp(exported.image!.data).metadata()).width).toBe(30);
      const grey = await c.applyColorTransformations({ imageData: input, transformations: [{ kind: { case: 'grayscale', value: {} } }], format: 'png' });
      expect((await sharp(grey.image!.data).metadata()).width).toBe(600);
    }
    const grpcJs = grpcJsClient(ProcessingService, app.address);
    try {
      const streamed = await collectStream<{ id: string; image: { data: Uint8Array } }>(grpcJs.generateVariations(create(ProcessingServiceGenerateVariationsRequestSchema, one)));
      expect(await widths((async function* () { for (const s of streamed) yield s.message; })())).toEqual({ a: 40 });
    } finally {
      grpcJs.close();
    }
  });

  it('streams each variation as soon as it is done: the first arrives while another is still running', async () => {
    const input = await sharp({ create: { width: 2400, height: 1800, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();
    const client = grpcJsClient(ProcessingService, app.address);
    const call = client.generateVariations(
      create(ProcessingServiceGenerateVariationsRequestSchema, {
        imageData: input,
        variationConfigs: [
          // Slow: a wide blur, then AVIF. Listed first, so completion order is what the stream follows.
          { id: 'slow', format: 'avif', filter: { filterType: { case: 'gaussianBlur', value: { sigma: 20 } } }, exportOptions: { quality: 80, effort: 3 } },
          { id: 'thumb', format: 'jpeg', resize: { width: 64, height: 64, maintainAspectRatio: true } },
        ],
      }),
    );
    const seen: { id: string; runningInPool: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      call.on('data', (m: any) => seen.push({ id: m.id, runningInPool: app.pool.stats().running }));
      call.on('error', reject);
      call.on('end', resolve);
    });
    client.close();
    expect(seen.map((s) => s.id)).toEqual(['thumb', 'slow']);
    // When the thumbnail reached the client, the AVIF was still being encoded in the pool.
    expect(seen[0].runningInPool).toBeGreaterThan(0);
  });

  it('serves a repeated request from the result cache, keyed by cache_key or content', async () => {
    const input = await makeJpeg(300, 200);
    const configs = [{ id: 'a', resize: { width: 50, maintainAspectRatio: true }, format: 'webp' }];
    const first = [];
    for await (const m of processing.generateVariations({ imageData: input, variationConfigs: configs })) first.push(m);
    const second = [];
    for await (const m of processing.generateVariations({ imageData: input, variationConfigs: configs })) second.push(m);
    expect(first[0].cached).toBe(false);
    expect(second[0].cached).toBe(true);
    expect(Buffer.from(second[0].image!.data).equals(Buffer.from(first[0].image!.data))).toBe(true);
    expect((await sharp(first[0].image!.data).metadata()).format).toBe('webp');
  });

  it('fails a bad configuration with INVALID_ARGUMENT naming its id and field, before any work', async () => {
    const input = await makeJpeg(300, 200);
    const err = ConnectError.from(
      await (async () => {
        for await (const _ of processing.generateVariations({
          imageData: input,
          variationConfigs: [
            { id: 'ok', resize: { width: 10, maintainAspectRatio: true } },
            { id: 'broken', resize: { width: -1 } },
          ],
        }));
      })().catch((e) => e),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toBe('variation "broken": variation_configs[1].resize.width: expected an integer from 0 to 16384, received -1');
    expect(app.pool.stats().completed).toBeGreaterThanOrEqual(0);
  });
});

describe('filters, transformations, composites and export through the server', () => {
  let app: TestApp;
  let images: ReturnType<typeof createClient<typeof ImageService>>;
  let processing: ReturnType<typeof createClient<typeof ProcessingService>>;

  beforeAll(async () => {
    app = await startTestApp();
    const transport = createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' });
    images = createClient(ImageService, transport);
    processing = createClient(ProcessingService, transport);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('ApplyFilter stores a grayscale copy with its lineage, and an empty filter lists the supported ones', async () => {
    const source = (await images.uploadImage({ fileData: await makeJpeg(120, 90) })).image!;
    const gray = (await images.applyFilter({ imageId: source.imageId, filter: { filterType: { case: 'grayscale', value: {} } }, format: 'png' })).image!;
    const { data, info } = await sharp((await images.getImage({ imageId: gray.imageId, includeData: true })).data).raw().toBuffer({ resolveWithObject: true });
    for (let i = 0; i < data.length; i += info.channels) expect(data[i] === data[i + 1] && data[i + 1] === data[i + 2]).toBe(true);
    if (gray.details.case === 'processed') expect(gray.details.value.processingParams?.operation.case).toBe('filter');
    const err = ConnectError.from(await images.applyFilter({ imageId: source.imageId }).catch((e) => e));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toMatch(/^filter: expected one of gaussian_blur, sharpen, unsharp_mask, median, grayscale, sepia, invert, .*clahe, received "none"$/);
  });

  it('ApplyColorTransformations applies the list in order and names a bad index', async () => {
    const input = await makeJpeg(64, 48);
    const out = await processing.applyColorTransformations({
      imageData: input,
      format: 'png',
      transformations: [{ kind: { case: 'grayscale', value: {} } }, { kind: { case: 'invert', value: {} } }],
    });
    expect(out.image?.format).toBe('png');
    const err = ConnectError.from(await processing.applyColorTransformations({ imageData: input, transformations: [{ kind: { case: 'grayscale', value: {} } }, {}] }).catch((e) => e));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toMatch(/^transformations\[1\]: /);
  });

  it('CreateComposite draws a stored image and raw bytes over a canvas', async () => {
    const red = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const stored = (await images.uploadImage({ fileData: await sharp({ create: { width: 10, height: 10, channels: 3, background: '#0000ff' } }).png().toBuffer() })).image!;
    const out = await processing.createComposite({
      width: 40,
      height: 20,
      backgroundColor: '#00ff00',
      format: 'png',
      layers: [
        { source: { case: 'imageData', value: red }, position: { case: 'offset', value: { x: 0, y: 0 } } },
        { source: { case: 'imageId', value: stored.imageId }, position: { case: 'offset', value: { x: 20, y: 5 } } },
      ],
    });
    const { data, info } = await sharp(out.image!.data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    expect([info.width, info.height]).toEqual([40, 20]);
    expect(px(5, 5)).toEqual([255, 0, 0]);
    expect(px(25, 10)).toEqual([0, 0, 255]);
    expect(px(35, 2)).toEqual([0, 255, 0]);
    const err = ConnectError.from(await processing.createComposite({ width: 10, height: 10, layers: [{}] }).catch((e) => e));
    expect(err.rawMessage).toBe('layers[0].source: expected image_data or image_id, received none');
  });

  it('ProcessForExport traces an SVG, or embeds the raster when asked', async () => {
    const input = await makeJpeg(200, 150);
    const traced = await processing.processForExport({ imageData: input, format: 'svg' });
    expect(traced.image?.contentType).toBe('image/svg+xml');
    expect(traced.vectorTraced).toBe(true);
    expect((await sharp(traced.image!.data).metadata()).format).toBe('svg');
    const embedded = await processing.processForExport({ imageData: input, format: 'svg', exportOptions: { svg: { embedRaster: true } } });
    expect(embedded.vectorTraced).toBe(false);
    expect(embedded.note).not.toBe('');
    expect(Buffer.from(embedded.image!.data).toString('utf8')).toContain('data:image/png;base64,');
  });
});

describe('resource limits keep the service responsive', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ WORKER_THREADS: '1', MAX_CONCURRENT_OPERATIONS: '1', MAX_QUEUE: '1' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  let input: Buffer;
  beforeAll(async () => {
    input = await sharp({ create: { width: 800, height: 800, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
  });

  /** Seconds of interruptible work: upscaling noise to 49 MP and writing a JPEG (well under the message limit). */
  function slowRequest(client: any, deadlineMs?: number): Promise<grpc.ServiceError | undefined> {
    return new Promise((resolve) => {
      client.processForExport(
        create(ProcessForExportRequestSchema, { imageData: input, format: 'jpeg', exportOptions: { quality: 40 }, resize: { width: 7000, height: 7000, maintainAspectRatio: false } }),
        new grpc.Metadata(),
        deadlineMs ? { deadline: Date.now() + deadlineMs } : {},
        (err: grpc.ServiceError | null) => resolve(err ?? undefined),
      );
    });
  }

  async function idle() {
    while (app.pool.stats().running + app.pool.stats().queued > 0) await new Promise((r) => setTimeout(r, 50));
  }

  it('answers RESOURCE_EXHAUSTED at once when the queue is full, and keeps serving', async () => {
    const client = grpcJsClient(ProcessingService, app.address);
    // One runs, one waits, the rest find the queue full: all sent at once.
    const results = await Promise.all(Array.from({ length: 5 }, () => slowRequest(client, 30_000)));
    const exhausted = results.filter((e) => e?.code === grpc.status.RESOURCE_EXHAUSTED);
    expect(exhausted.length).toBeGreaterThanOrEqual(1);
    expect(exhausted[0]!.details).toMatch(/^image processing is at capacity/);
    await idle();
    const health = await new Promise<any>((resolve, reject) => client.processForExport(create(ProcessForExportRequestSchema, { imageData: Buffer.alloc(0), format: 'png' }), (e: any, r: any) => (e ? resolve(e) : reject(r))));
    // The service still answers (here: a clear error for empty bytes).
    expect(health.code).toBe(grpc.status.INVALID_ARGUMENT);
    client.close();
  });

  it('answers DEADLINE_EXCEEDED for a short deadline, drops the work, and keeps serving', async () => {
    const client = grpcJsClient(ProcessingService, app.address);
    const err = await slowRequest(client, 300);
    expect(err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await idle();
    expect(app.pool.stats()).toMatchObject({ running: 0, queued: 0 });
    const small = await makeJpeg(64, 48);
    const ok = await new Promise<any>((resolve, reject) =>
      client.processForExport(create(ProcessForExportRequestSchema, { imageData: small, format: 'webp' }), (e: any, r: any) => (e ? reject(e) : resolve(r))),
    );
    expect(ok.image.format).toBe('webp');
    client.close();
  });
});

describe('contain padding', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('pads with transparency for formats with alpha and with white for JPEG', async () => {
    const processing = createClient(ProcessingService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
    const input = await makeJpeg(200, 100);
    const png = await processing.processForExport({ imageData: input, format: 'png', resize: { width: 100, height: 100, fit: Fit.CONTAIN } });
    const p = await sharp(png.image!.data).ensureAlpha().raw().toBuffer();
    expect(p[3]).toBe(0);
    const jpeg = await processing.processForExport({ imageData: input, format: 'jpeg', resize: { width: 100, height: 100, fit: Fit.CONTAIN } });
    const j = await sharp(jpeg.image!.data).raw().toBuffer();
    expect(j[0]).toBeGreaterThan(245);
    expect(j[1]).toBeGreaterThan(245);
  });
});
