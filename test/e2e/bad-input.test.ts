import { DEFAULT_TENANT } from '../../src/auth/principal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ImageService, UploadImageRequestSchema, UploadImageStreamRequestSchema } from '../../gen/image/v1/image_service_pb.js';
import { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';
import { BadRequestSchema, ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { Health } from '../../gen/grpc/health/v1/health_pb.js';
import { grpcJsClient, unary } from '../support/grpc-js-client.js';
import { makeJpeg, makePng, pngBomb } from '../support/fixtures.js';
import { SHARED_IMAGES } from '../support/shared-images.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TRUNCATED = path.join(SHARED_IMAGES, 'bad', 'truncated.jpg');

describe('bad input gets a clear error and leaves nothing behind', () => {
  let app: TestApp;
  let client: ReturnType<typeof createClient<typeof ImageService>>;

  beforeAll(async () => {
    // Tight limits so the limit cases are cheap to hit.
    app = await startTestApp({ MAX_MESSAGE_BYTES: String(1024 * 1024), MAX_UPLOAD_BYTES: String(2 * 1024 * 1024), MAX_INPUT_PIXELS: String(50_000_000) });
    client = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function written(): Promise<{ rows: number; blobs: number }> {
    const rows = (await app.db.images.list(DEFAULT_TENANT, { limit: 100 })).items.length;
    let blobs = 0;
    for await (const _ of app.blobs.list()) blobs++;
    return { rows, blobs };
  }

  /** Runs the call, checks code, message, ErrorInfo reason and (optionally) the field violation, and that nothing was stored. */
  async function expectRejected(call: () => Promise<unknown>, code: Code, message: RegExp, reason: string | undefined, field?: string) {
    const before = await written();
    const err = await call().then(
      () => undefined,
      (e) => ConnectError.from(e),
    );
    expect(err, 'the call should fail').toBeDefined();
    expect(Code[err!.code]).toBe(Code[code]);
    expect(err!.rawMessage).toMatch(message);
    // The framework's own limit errors carry no ErrorInfo; ours always do.
    if (reason !== undefined) expect(err!.findDetails(ErrorInfoSchema)[0]?.reason).toBe(reason);
    if (field) expect(err!.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toContain(field);
    expect(await written()).toEqual(before);
    return err!;
  }

  it('empty bytes', async () => {
    await expectRejected(() => client.uploadImage({ fileData: new Uint8Array(0), filename: 'empty.png' }), Code.InvalidArgument, /^file_data: expected non-empty image bytes, received 0 bytes/, 'INVALID_IMAGE', 'file_data');
  });

  it('random bytes', async () => {
    await expectRejected(() => client.uploadImage({ fileData: randomBytes(4096), contentType: 'image/png' }), Code.InvalidArgument, /^file_data: .*unknown/, 'INVALID_IMAGE', 'file_data');
  });

  it.runIf(existsSync(TRUNCATED))('a truncated JPEG (../shared/images/bad/truncated.jpg)', async () => {
    await expectRejected(() => client.uploadImage({ fileData: readFileSync(TRUNCATED), contentType: 'image/jpeg' }), Code.InvalidArgument, /^file_data: .*(truncated|corrupt)/i, 'INVALID_IMAGE', 'file_data');
  });

  it('a JPEG cut in half', async () => {
    const jpeg = await makeJpeg(400, 300);
    await expectRejected(() => client.uploadImage({ fileData: jpeg.subarray(0, Math.floor(jpeg.length / 2)) }), Code.InvalidArgument, /^file_data: .*(truncated|corrupt)/i, 'INVALID_IMAGE', 'file_data');
  });

  it('bytes whose real type differs from content_type: the sniffed type is stored, the declared one recorded', async () => {
    const png = await makePng(20, 10);
    const { image } = await client.uploadImage({ fileData: png, contentType: 'image/jpeg', filename: 'lies.jpg' });
    expect(image).toMatchObject({ contentType: 'image/png', declaredContentType: 'image/jpeg', filename: 'lies.jpg', width: 20, height: 10 });
    const res = await fetch((await client.getImageUrl({ imageId: image!.imageId })).url);
    expect(res.headers.get('content-type')).toBe('image/png');
    await client.deleteImage({ imageId: image!.imageId });
  });

  it('an image over the pixel limit (a decompression bomb) is refused from its header', async () => {
    const bomb = pngBomb(30_000, 30_000);
    expect(bomb.length).toBeLessThan(200_000);
    await expectRejected(() => client.uploadImage({ fileData: bomb }), Code.ResourceExhausted, /^file_data: limit is 50000000 pixels, received 30000x30000/, 'PIXEL_LIMIT_EXCEEDED');
  });

  it('a message over the size limit', async () => {
    const err = await expectRejected(() => client.uploadImage({ fileData: randomBytes(1024 * 1024 + 10) }), Code.ResourceExhausted, /^message size is larger than configured readMaxBytes 1048576/, undefined);
    expect(err.code).toBe(Code.ResourceExhausted);
  }, );

  it.each([1024 * 1024 + 10, 3 * 1024 * 1024])('a message over the size limit over gRPC (%i bytes of image)', async (bytes) => {
    const grpcClient = grpcJsClient(ImageService, app.address);
    const before = await written();
    try {
      const error = (await unary(grpcClient, 'uploadImage', create(UploadImageRequestSchema, { fileData: randomBytes(bytes) })).catch((e: unknown) => e)) as grpc.ServiceError;
      expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(error.details).toMatch(/^message size \d+ is larger than configured readMaxBytes 1048576$/);
    } finally {
      grpcClient.close();
    }
    expect(await written()).toEqual(before);
  });

  it('a streamed upload over MAX_UPLOAD_BYTES', async () => {
    const grpcClient = grpcJsClient(ImageService, app.address);
    const before = await written();
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      const call = grpcClient.uploadImageStream(() => undefined);
      call.on('status', resolve);
      call.on('error', () => undefined);
      call.write(create(UploadImageStreamRequestSchema, { part: { case: 'header', value: { filename: 'huge.bin' } } }));
      for (let i = 0; i < 3; i++) call.write(create(UploadImageStreamRequestSchema, { part: { case: 'chunk', value: randomBytes(900 * 1024) } }));
      call.end();
    });
    expect(status.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(status.details).toMatch(/^upload: limit is 2097152 bytes/);
    expect(await written()).toEqual(before);
    grpcClient.close();
  });

  it('a streamed upload without a header, or with a wrong total_size', async () => {
    const grpcClient = grpcJsClient(ImageService, app.address);
    const run = (messages: any[]) =>
      new Promise<grpc.StatusObject>((resolve) => {
        const call = grpcClient.uploadImageStream(() => undefined);
        call.on('status', resolve);
        call.on('error', () => undefined);
        for (const m of messages) call.write(create(UploadImageStreamRequestSchema, m));
        call.end();
      });
    const png = await makePng();
    const noHeader = await run([{ part: { case: 'chunk', value: png } }]);
    expect(noHeader.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(noHeader.details).toBe('messages[0].header: expected a header as the first message, received "a chunk"');
    const wrongSize = await run([{ part: { case: 'header', value: { totalSize: 5n } } }, { part: { case: 'chunk', value: png } }]);
    expect(wrongSize.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(wrongSize.details).toBe(`header.total_size: expected 5 bytes to arrive, received "${png.length} bytes"`);
    grpcClient.close();
  });

  it('an unknown id and a malformed id', async () => {
    await expectRejected(() => client.getImage({ imageId: '01890000-0000-7000-8000-000000000000' }), Code.NotFound, /^image "01890000-0000-7000-8000-000000000000" not found$/, 'IMAGE_NOT_FOUND');
    await expectRejected(() => client.getImage({ imageId: '../../etc/passwd' }), Code.InvalidArgument, /^image_id: expected an id like .*, received "..\/..\/etc\/passwd"$/, 'INVALID_ARGUMENT', 'image_id');
    await expectRejected(() => client.deleteImage({ imageId: '' }), Code.InvalidArgument, /^image_id: expected an id, received ""$/, 'INVALID_ARGUMENT', 'image_id');
    await expectRejected(() => client.exportImage({ imageId: '01890000-0000-7000-8000-000000000000', format: 'png' }), Code.NotFound, /not found/, 'IMAGE_NOT_FOUND');
  });

  it('negative and absurd sizes', async () => {
    const { image } = await client.uploadImage({ fileData: await makePng() });
    const id = image!.imageId;
    await expectRejected(() => client.getImageUrl({ imageId: id, expiration: { seconds: -5n } }), Code.InvalidArgument, /^expiration: expected an integer from 1 to 604800, received -5$/, 'INVALID_ARGUMENT', 'expiration');
    await expectRejected(() => client.getImageUrl({ imageId: id, expiration: { seconds: 10n ** 10n } }), Code.InvalidArgument, /^expiration: expected an integer from 1 to 604800, received 10000000000$/, 'INVALID_ARGUMENT', 'expiration');
    await expectRejected(() => client.listImages({ pageSize: -1 }), Code.InvalidArgument, /^page_size: expected an integer from 1 to 100, received -1$/, 'INVALID_ARGUMENT', 'page_size');
    await expectRejected(() => client.listImages({ pageSize: 1_000_000 }), Code.InvalidArgument, /^page_size: expected an integer from 1 to 100, received 1000000$/, 'INVALID_ARGUMENT', 'page_size');
    await expectRejected(() => client.exportImage({ imageId: id, format: 'webp', quality: 101 }), Code.InvalidArgument, /^quality: expected an integer from 1 to 100, received 101$/, 'INVALID_ARGUMENT', 'quality');
    await expectRejected(() => client.listImages({ pageToken: 'not-a-token' }), Code.InvalidArgument, /^page_token: /, 'INVALID_ARGUMENT', 'page_token');
    await client.deleteImage({ imageId: id });
  });

  it('an unknown export format lists the supported ones', async () => {
    const { image } = await client.uploadImage({ fileData: await makePng() });
    await expectRejected(() => client.exportImage({ imageId: image!.imageId, format: 'bmp' }), Code.InvalidArgument, /^format: expected one of png, jpeg, jpg, webp, avif, tiff, gif, received "bmp"$/, 'UNSUPPORTED_FORMAT', 'format');
    await client.deleteImage({ imageId: image!.imageId });
  });

  it('an unknown format is the same mistake with the same reason in every RPC that takes one', async () => {
    const processing = createClient(ProcessingService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
    const imageData = await makePng();
    const { image } = await client.uploadImage({ fileData: imageData });
    const imageId = image!.imageId;
    const raster = /^format: expected one of png, jpeg, jpg, webp, avif, tiff, gif, received "BMP"$/;
    const withSvg = /^format: expected one of png, jpeg, jpg, webp, avif, tiff, gif, svg, received "BMP"$/;
    const calls: [string, () => Promise<unknown>, RegExp][] = [
      ['ExportImage', () => client.exportImage({ imageId, format: 'BMP' }), raster],
      ['ResizeImage', () => client.resizeImage({ imageId, width: 8, height: 8, format: 'BMP' }), raster],
      ['CropImage', () => client.cropImage({ imageId, width: 8, height: 8, format: 'BMP' }), raster],
      ['GenerateAndApplyPalette', () => processing.generateAndApplyPalette({ imageData, themeDescription: 'ocean', format: 'BMP' }), raster],
      ['ProcessForExport', () => processing.processForExport({ imageData, format: 'BMP' }), withSvg],
    ];
    for (const [rpc, call, message] of calls) {
      const err = await expectRejected(call, Code.InvalidArgument, message, 'UNSUPPORTED_FORMAT', 'format');
      expect(err.rawMessage, rpc).toMatch(message);
    }
    await client.deleteImage({ imageId });
  });

  it('keeps serving after all of it, over every client', async () => {
    const grpcClient = grpcJsClient(Health, app.address);
    const res: any = await unary(grpcClient, 'check', { $typeName: 'grpc.health.v1.HealthCheckRequest', service: '' });
    expect(res.status).toBe(1);
    grpcClient.close();
    const { image } = await client.uploadImage({ fileData: await makePng() });
    expect(image?.width).toBe(64);
  });
});
