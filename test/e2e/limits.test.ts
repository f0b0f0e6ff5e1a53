import { DEFAULT_TENANT } from '../../src/auth/principal.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import sharp from 'sharp';
import { ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { Fit } from '../../gen/image/v1/operations_pb.js';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';
import { slowPng } from '../imaging/images.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The ConnectError a call fails with (or a test failure if it succeeds). */
async function failure(call: () => Promise<unknown>): Promise<ConnectError> {
  const error = await call().then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  if (error === undefined) throw new Error('the call should have failed');
  return error;
}

let flatJpeg: Promise<Buffer> | undefined;
/** A flat 10000x10000 JPEG of well under a megabyte: a tiny file that declares 100 MP. */
function flatJpeg10k(): Promise<Buffer> {
  flatJpeg ??= sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: '#808080' } }).jpeg({ quality: 1 }).toBuffer();
  return flatJpeg;
}

function reasonOf(error: ConnectError): string | undefined {
  return error.findDetails(ErrorInfoSchema)[0]?.reason;
}

describe('pixel budgets: what a pipeline would make is planned before it runs', () => {
  let app: TestApp;
  let processing: ReturnType<typeof createClient<typeof ProcessingService>>;
  let tiny: Buffer;

  beforeAll(async () => {
    app = await startTestApp();
    processing = createClient(ProcessingService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
    tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#c82828' } }).png().toBuffer();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('refuses a 69-byte 1x1 PNG filled to 16384x16384 by ProcessForExport before any work', async () => {
    expect(tiny.length).toBeLessThan(100);
    const before = app.pool.stats();
    const error = await failure(() => processing.processForExport({ imageData: tiny, format: 'png', resize: { width: 16_384, height: 16_384, fit: Fit.FILL } }));
    expect(Code[error.code]).toBe(Code[Code.ResourceExhausted]);
    expect(reasonOf(error)).toBe('PIXEL_LIMIT_EXCEEDED');
    expect(error.rawMessage).toBe('resize: limit is 100000000 output pixels, received a planned output of 16384x16384 = 268435456 pixels');
    // Refused in front of the pool: nothing ran, nothing completed.
    expect(app.pool.stats()).toEqual({ ...before, rejected: before.rejected + 1 });
  });

  it('refuses sixteen such configurations in one GenerateVariations without admitting any', async () => {
    const before = app.pool.stats();
    const variationConfigs = Array.from({ length: 16 }, (_, i) => ({ id: `v${i}`, resize: { width: 16_384, height: 16_384, fit: Fit.FILL }, format: 'png' }));
    const error = await failure(async () => {
      for await (const _ of processing.generateVariations({ imageData: tiny, variationConfigs })) void _;
    });
    expect(Code[error.code]).toBe(Code[Code.ResourceExhausted]);
    expect(reasonOf(error)).toBe('PIXEL_LIMIT_EXCEEDED');
    expect(error.rawMessage).toMatch(/^variation_configs\[\d+\]\.resize: limit is 100000000 output pixels, received a planned output of 16384x16384 = 268435456 pixels$/);
    const after = app.pool.stats();
    expect(after.completed).toBe(before.completed);
    expect(after).toMatchObject({ running: 0, queued: 0 });
  });

  it('takes a JPEG declaring 10000x10000: its probe decodes every pixel without computing statistics', async () => {
    const jpeg = await flatJpeg10k();
    expect(jpeg.length).toBeLessThan(1024 * 1024);
    const images = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
    const { image } = await images.uploadImage({ fileData: jpeg, filename: 'flat.jpg' });
    expect(image).toMatchObject({ width: 10_000, height: 10_000, contentType: 'image/jpeg' });
  });

  it('refuses a composite canvas over the output limit', async () => {
    const error = await failure(() => processing.createComposite({ width: 16_384, height: 16_384, format: 'png' }));
    expect(Code[error.code]).toBe(Code[Code.ResourceExhausted]);
    expect(error.rawMessage).toBe('canvas: limit is 100000000 output pixels, received a planned output of 16384x16384 = 268435456 pixels');
  });
});

describe('a configured MAX_OUTPUT_PIXELS below the input limit', () => {
  let app: TestApp;
  let images: ReturnType<typeof createClient<typeof ImageService>>;

  beforeAll(async () => {
    app = await startTestApp({ MAX_OUTPUT_PIXELS: '1000000' });
    images = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('refuses a generated size over it before the generator is called', async () => {
    const before = app.pool.stats();
    const error = await failure(() => images.generateImage({ prompt: 'a red fox', width: 2048, height: 1024 }));
    expect(Code[error.code]).toBe(Code[Code.ResourceExhausted]);
    expect(error.rawMessage).toBe('width and height: limit is 1000000 output pixels, received a planned output of 2048x1024 = 2097152 pixels');
    expect(app.pool.stats()).toEqual(before);
    await expect(images.generateImage({ prompt: 'a red fox', width: 512, height: 512 })).resolves.toMatchObject({ image: { width: 512, height: 512 } });
  });

  it('refuses enlarging a stored image over it, and derives within it', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#08f' } }).png().toBuffer();
    const { image } = await images.uploadImage({ fileData: png, filename: 'small.png' });
    const error = await failure(() => images.resizeImage({ imageId: image!.imageId, width: 2000, height: 1500, maintainAspectRatio: true }));
    expect(Code[error.code]).toBe(Code[Code.ResourceExhausted]);
    expect(error.rawMessage).toBe('resize: limit is 1000000 output pixels, received a planned output of 2000x1500 = 3000000 pixels');
    await expect(images.resizeImage({ imageId: image!.imageId, width: 800, height: 600, maintainAspectRatio: true })).resolves.toMatchObject({ image: { width: 800, height: 600 } });
  });
});

describe('decode time is bounded by the operation limit and the client deadline', () => {
  let app: TestApp;
  let images: ReturnType<typeof createClient<typeof ImageService>>;

  beforeAll(async () => {
    // Well under the slow PNG's decode (about 0.6 s on a quiet machine, seconds under load).
    app = await startTestApp({ WORKER_THREADS: '1', MAX_CONCURRENT_OPERATIONS: '1', OPERATION_TIMEOUT_MS: '250' });
    images = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function stored(): Promise<number> {
    return (await app.db.images.list(DEFAULT_TENANT, { limit: 100 })).items.length;
  }

  async function idle(): Promise<void> {
    await vi.waitFor(() => expect(app.pool.stats()).toMatchObject({ running: 0, queued: 0 }), { timeout: 60_000, interval: 50 });
  }

  it('stops an upload whose decode takes seconds at OPERATION_TIMEOUT_MS, stores nothing, and frees the worker', async () => {
    const before = await stored();
    const error = await failure(() => images.uploadImage({ fileData: slowPng(10_000, 10_000), filename: 'slow.png' }));
    expect(Code[error.code]).toBe(Code[Code.DeadlineExceeded]);
    expect(error.rawMessage).toBe('probe did not finish within the 250 ms operation limit (stopped while running)');
    await idle();
    expect(await stored()).toBe(before);
  });

  it("answers a JPEG declaring 10000x10000 at the client's deadline", async () => {
    const jpeg = await flatJpeg10k();
    const error = await failure(() => images.uploadImage({ fileData: jpeg, filename: 'big.jpg' }, { timeoutMs: 100 }));
    expect(Code[error.code]).toBe(Code[Code.DeadlineExceeded]);
    await idle();
  });
});

describe('bounded reads: stored sizes are checked from their records before any blob is read', () => {
  let app: TestApp;
  let images: ReturnType<typeof createClient<typeof ImageService>>;
  let processing: ReturnType<typeof createClient<typeof ProcessingService>>;
  let photo: Buffer;

  beforeAll(async () => {
    app = await startTestApp({ MAX_MESSAGE_BYTES: String(1024 * 1024), MAX_UPLOAD_BYTES: String(4 * 1024 * 1024), MAX_READ_BYTES_PER_REQUEST: String(2 * 1024 * 1024) });
    const transport = createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' });
    images = createClient(ImageService, transport);
    processing = createClient(ProcessingService, transport);
    // Noise barely compresses: about 100 KB.
    photo = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
  });
  afterAll(async () => {
    await app?.stop();
  });

  /** Counts the blob reads `call` makes (the real store, watched). */
  async function blobReads(call: () => Promise<unknown>): Promise<number> {
    const spy = vi.spyOn(app.blobs, 'get');
    try {
      await call();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  }

  it('refuses a composite of one image under 32 stored ids before reading any of it', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 32; i++) ids.push((await images.uploadImage({ fileData: photo, filename: `copy-${i}.png` })).image!.imageId);
    const layers = ids.map((imageId) => ({ source: { case: 'imageId' as const, value: imageId } }));
    let error: ConnectError | undefined;
    const reads = await blobReads(async () => {
      error = await failure(() => processing.createComposite({ width: 200, height: 200, layers }));
    });
    expect(reads).toBe(0);
    expect(Code[error!.code]).toBe(Code[Code.ResourceExhausted]);
    expect(reasonOf(error!)).toBe('READ_LIMIT_EXCEEDED');
    expect(error!.rawMessage).toBe(`layers: limit is 2097152 bytes read per request, received ${32 * photo.length} bytes in 32 stored images`);
    // Within the budget: the image under four ids is read once (one blob) and drawn four times.
    const within = await blobReads(async () => {
      const { image } = await processing.createComposite({ width: 200, height: 200, layers: layers.slice(0, 4), format: 'png' });
      expect(image).toMatchObject({ width: 200, height: 200 });
    });
    expect(within).toBe(1);
  });

  it('refuses include_data for an image that cannot fit in a response before reading it, and serves it by URL', async () => {
    const big = await sharp({ create: { width: 700, height: 700, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const { image } = await images.uploadImageStream(
      (async function* () {
        yield { part: { case: 'header' as const, value: { filename: 'big.png', totalSize: BigInt(big.length) } } };
        for (let at = 0; at < big.length; at += 256 * 1024) yield { part: { case: 'chunk' as const, value: big.subarray(at, at + 256 * 1024) } };
      })(),
    );
    let error: ConnectError | undefined;
    const reads = await blobReads(async () => {
      error = await failure(() => images.getImage({ imageId: image!.imageId, includeData: true }));
    });
    expect(reads).toBe(0);
    expect(Code[error!.code]).toBe(Code[Code.ResourceExhausted]);
    expect(reasonOf(error!)).toBe('READ_LIMIT_EXCEEDED');
    const room = 1024 * 1024 - 2 * 64 * 1024 - 16 * 1024;
    expect(error!.rawMessage).toBe(`include_data: limit is ${room} bytes in one response (GetImageUrl serves any size), received an image of ${big.length} bytes`);
    await expect(images.getImage({ imageId: image!.imageId })).resolves.toMatchObject({ image: { fileSize: BigInt(big.length) } });
    const { url } = await images.getImageUrl({ imageId: image!.imageId });
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(big)).toBe(true);
    // A small one still comes inline.
    const small = (await images.uploadImage({ fileData: photo, filename: 'small.png' })).image!;
    expect(Buffer.from((await images.getImage({ imageId: small.imageId, includeData: true })).data).equals(photo)).toBe(true);
  });

  it('refuses a streamed upload whose total_size is over MAX_UPLOAD_BYTES before its first chunk', async () => {
    const error = await failure(() =>
      images.uploadImageStream(
        (async function* () {
          yield { part: { case: 'header' as const, value: { filename: 'huge.png', totalSize: 5n * 1024n * 1024n } } };
          for (let i = 0; i < 20; i++) yield { part: { case: 'chunk' as const, value: new Uint8Array(256 * 1024) } };
        })(),
      ),
    );
    expect(Code[error.code]).toBe(Code[Code.ResourceExhausted]);
    expect(reasonOf(error)).toBe('UPLOAD_TOO_LARGE');
    // Named by the header's field: refused as the header arrived, not when the chunks crossed the limit.
    expect(error.rawMessage).toBe(`header.total_size: limit is ${4 * 1024 * 1024} bytes, received ${5 * 1024 * 1024} bytes`);
  });
});

describe('.cube LUTs: bounded per request, parsed in a worker', () => {
  let app: TestApp;
  let processing: ReturnType<typeof createClient<typeof ProcessingService>>;
  let photo: Buffer;
  const IDENTITY = 'LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n';
  const lut = (cube: string) => ({ kind: { case: 'lut' as const, value: { cube } } });

  beforeAll(async () => {
    app = await startTestApp({ MAX_LUTS_PER_REQUEST: '2', MAX_LUT_BYTES: '4096' });
    processing = createClient(ProcessingService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
    photo = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c82828' } }).png().toBuffer();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('refuses more LUTs than MAX_LUTS_PER_REQUEST across a request, before any work', async () => {
    const before = app.pool.stats();
    const error = await failure(() => processing.applyColorTransformations({ imageData: photo, transformations: [lut(IDENTITY), lut(IDENTITY), lut(IDENTITY)], format: 'png' }));
    expect(Code[error.code]).toBe(Code[Code.InvalidArgument]);
    expect(error.rawMessage).toBe('transformations: expected at most 2 lut transformations in one request, received 3');
    const variationConfigs = [0, 1, 2].map((i) => ({ id: `v${i}`, colorTransform: [lut(IDENTITY)], format: 'png' }));
    const spread = await failure(async () => {
      for await (const _ of processing.generateVariations({ imageData: photo, variationConfigs })) void _;
    });
    expect(spread.rawMessage).toBe('variation_configs: expected at most 2 lut transformations in one request, received 3');
    expect(app.pool.stats()).toEqual(before);
  });

  it('refuses a .cube over MAX_LUT_BYTES, and names a bad one from the worker with its field and line', async () => {
    const oversized = `# ${'x'.repeat(5000)}\n${IDENTITY}`;
    const big = await failure(() => processing.applyColorTransformations({ imageData: photo, transformations: [lut(oversized)], format: 'png' }));
    expect(Code[big.code]).toBe(Code[Code.ResourceExhausted]);
    expect(reasonOf(big)).toBe('LUT_TOO_LARGE');
    expect(big.rawMessage).toBe(`transformations[0].lut.cube: limit is 4096 bytes, received ${oversized.length} bytes`);
    const bad = await failure(() => processing.applyColorTransformations({ imageData: photo, transformations: [lut('LUT_3D_SIZE 2\n0 0 0\n1 0\n')], format: 'png' }));
    expect(Code[bad.code]).toBe(Code[Code.InvalidArgument]);
    expect(bad.rawMessage).toBe('transformations[0].lut.cube: expected a row of 3 numbers on line 3, received "1 0"');
    const { image } = await processing.applyColorTransformations({ imageData: photo, transformations: [lut(IDENTITY), lut(IDENTITY)], format: 'png' });
    expect(image).toMatchObject({ width: 40, height: 30 });
  });
});

describe('SVG uploads are sanitised before they are decoded or stored', () => {
  let app: TestApp;
  let images: ReturnType<typeof createClient<typeof ImageService>>;
  const HOSTILE = `<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="30" onload="fetch('/steal?c='+document.cookie)">
  <script>alert(document.domain)</script>
  <rect width="40" height="30" fill="#08f" onmouseover="alert(1)"/>
  <image xlink:href="https://tracker.example/pixel.png" width="1" height="1"/>
  <image href="http://tracker.example/pixel2.png" width="1" height="1"/>
</svg>`;

  beforeAll(async () => {
    app = await startTestApp();
    images = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('stores and serves the SVG without its script, handlers and external references', async () => {
    const { image } = await images.uploadImage({ fileData: Buffer.from(HOSTILE), filename: 'x.svg', contentType: 'image/svg+xml' });
    expect(image).toMatchObject({ contentType: 'image/svg+xml', width: 40, height: 30 });
    const served = Buffer.from(await (await fetch((await images.getImageUrl({ imageId: image!.imageId })).url)).arrayBuffer());
    const inline = Buffer.from((await images.getImage({ imageId: image!.imageId, includeData: true })).data);
    expect(served.equals(inline)).toBe(true);
    expect(image!.fileSize).toBe(BigInt(served.length));
    const text = served.toString('utf8');
    for (const gone of ['<script', 'onload', 'onmouseover', 'tracker.example', 'document.cookie']) expect(text, gone).not.toContain(gone);
    expect(text).toContain('<rect width="40" height="30" fill="#08f">');
    expect(await sharp(served).metadata()).toMatchObject({ format: 'svg', width: 40, height: 30 });
  });
});
