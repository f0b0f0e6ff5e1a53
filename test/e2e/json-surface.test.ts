import http2 from 'node:http2';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { endStreamFromJson, errorFromJson } from '@connectrpc/connect/protocol-connect';
import { findTrailerError } from '@connectrpc/connect/protocol-grpc';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestSchema, ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { GenerateColorPaletteRequestSchema, ImageService } from '../../gen/image/v1/image_service_pb.js';
import { PaletteType } from '../../gen/image/v1/palette_pb.js';
import { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';
import { makePng } from '../support/fixtures.js';
import { grpcJsClient, unary } from '../support/grpc-js-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PALETTE_TYPES =
  'PALETTE_TYPE_UNSPECIFIED, PALETTE_TYPE_DOMINANT, PALETTE_TYPE_VIBRANT, PALETTE_TYPE_MUTED, PALETTE_TYPE_DARK, PALETTE_TYPE_LIGHT, PALETTE_TYPE_PASTEL, PALETTE_TYPE_COMPLEMENTARY, PALETTE_TYPE_ANALOGOUS, PALETTE_TYPE_TRIADIC, PALETTE_TYPE_SPLIT_COMPLEMENTARY, PALETTE_TYPE_TETRADIC, PALETTE_TYPE_MONOCHROMATIC, PALETTE_TYPE_SHADES, PALETTE_TYPE_THEME';
const FILTER_FIELDS =
  'gaussian_blur, sharpen, unsharp_mask, median, grayscale, sepia, invert, brightness, contrast, saturation, hue_rotate, gamma, tint, vignette, pixelate, posterize, threshold, emboss, edge_detect, normalize, clahe';

/** What a caller can read from a failed call, in any protocol. */
interface Failure {
  code: string;
  message: string;
  reason: string | undefined;
  fields: string[];
}

function failure(error: ConnectError): Failure {
  return {
    code: Code[error.code],
    message: error.rawMessage,
    reason: error.findDetails(ErrorInfoSchema)[0]?.reason,
    fields: error.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field) ?? [],
  };
}

describe('a strict, helpful JSON surface', () => {
  let app: TestApp;
  let imageId: string;

  beforeAll(async () => {
    app = await startTestApp();
    const connect = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' }));
    imageId = (await connect.uploadImage({ fileData: await makePng(), filename: 'a.png' })).image!.imageId;
  });
  afterAll(async () => {
    await app?.stop();
  });

  /** A Connect unary call with a JSON body written by hand, over HTTP/1.1. */
  async function connectJson(path: string, body: string): Promise<{ status: number; json: any }> {
    const res = await fetch(`${app.baseUrl}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, json: await res.json() };
  }

  /** The Connect error in a failed unary JSON answer. */
  async function connectJsonFailure(path: string, body: string): Promise<Failure & { status: number }> {
    const { status, json } = await connectJson(path, body);
    return { status, ...failure(errorFromJson(json, undefined, new ConnectError('not a Connect error'))) };
  }

  /** A gRPC call with a JSON message (application/grpc+json) over HTTP/2: the bare-stream path. */
  async function grpcJsonFailure(path: string, body: string): Promise<Failure> {
    const session = http2.connect(app.baseUrl);
    try {
      const req = session.request({ ':method': 'POST', ':path': `/${path}`, 'content-type': 'application/grpc+json', te: 'trailers' });
      const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => req.once('trailers', resolve));
      req.resume();
      const message = Buffer.from(body);
      const header = Buffer.alloc(5);
      header.writeUInt32BE(message.length, 1);
      req.end(Buffer.concat([header, message]));
      const headers = new Headers();
      for (const [k, v] of Object.entries(await trailers)) if (typeof v === 'string') headers.set(k, v);
      const error = findTrailerError(headers);
      if (!error) throw new Error('expected the call to fail');
      return failure(error);
    } finally {
      session.close();
    }
  }

  it('an enum value by its short name: INVALID_ARGUMENT naming palette_type, what was sent and the accepted names', async () => {
    const message = `palette_type: expected one of ${PALETTE_TYPES} (the full name, or its number), received "vibrant"; did you mean PALETTE_TYPE_VIBRANT?`;
    const body = JSON.stringify({ image_id: imageId, palette_type: 'vibrant' });
    expect(await connectJsonFailure('image.v1.ImageService/GenerateColorPalette', body)).toEqual({
      status: 400,
      code: 'InvalidArgument',
      message,
      reason: 'INVALID_ARGUMENT',
      fields: ['palette_type'],
    });
    expect(await grpcJsonFailure('image.v1.ImageService/GenerateColorPalette', body)).toEqual({ code: 'InvalidArgument', message, reason: 'INVALID_ARGUMENT', fields: ['palette_type'] });
    expect((await connectJsonFailure('image.v1.ImageService/GenerateColorPalette', JSON.stringify({ image_id: imageId, palette_type: 'bogus' }))).message).toBe(
      `palette_type: expected one of ${PALETTE_TYPES} (the full name, or its number), received "bogus"`,
    );
  });

  it('a palette type the RPC does not take is the same reason and field over binary gRPC', async () => {
    // Binary gRPC has no names, but a number this contract does not define is the same mistake.
    const undefinedType = 99 as PaletteType;
    const client = grpcJsClient(ImageService, app.address);
    try {
      const error = (await unary(client, 'generateColorPalette', create(GenerateColorPaletteRequestSchema, { imageId, paletteType: undefinedType })).catch((e: unknown) => e)) as grpc.ServiceError;
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error.details).toMatch(/^palette_type: expected one of PALETTE_TYPE_DOMINANT, .*, received 99$/);
      const connect = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
      const viaConnect = failure(await connect.generateColorPalette({ imageId, paletteType: undefinedType }).then(() => new ConnectError('no error'), (e: unknown) => ConnectError.from(e)));
      expect(viaConnect).toMatchObject({ code: 'InvalidArgument', reason: 'INVALID_ARGUMENT', fields: ['palette_type'], message: error.details });
    } finally {
      client.close();
    }
  });

  it('an unknown field, at the top or nested: UNKNOWN_FIELD naming its path and the fields there are', async () => {
    expect(await connectJsonFailure('image.v1.ImageService/GenerateColorPalette', JSON.stringify({ image_id: imageId, colour: 'red' }))).toEqual({
      status: 400,
      code: 'InvalidArgument',
      message: 'colour: expected a field of image.v1.GenerateColorPaletteRequest (image_id, num_colors, palette_type, name), received "colour"',
      reason: 'UNKNOWN_FIELD',
      fields: ['colour'],
    });
    const nested = JSON.stringify({ image_id: imageId, filter: { blur: { sigma: 2 } } });
    const expected = { code: 'InvalidArgument', message: `filter.blur: expected a field of image.v1.Filter (${FILTER_FIELDS}), received "blur"`, reason: 'UNKNOWN_FIELD', fields: ['filter.blur'] };
    expect(await connectJsonFailure('image.v1.ImageService/ApplyFilter', nested)).toEqual({ status: 400, ...expected });
    expect(await grpcJsonFailure('image.v1.ImageService/ApplyFilter', nested)).toEqual(expected);
  });

  it('a Duration given as a number says to write "600s"; written so, it works', async () => {
    expect(await connectJsonFailure('image.v1.ImageService/GetImageUrl', JSON.stringify({ image_id: imageId, expiration: 600 }))).toEqual({
      status: 400,
      code: 'InvalidArgument',
      message: 'expiration: expected a duration string in seconds with an "s" suffix, e.g. "600s", received 600',
      reason: 'INVALID_ARGUMENT',
      fields: ['expiration'],
    });
    const ok = await connectJson('image.v1.ImageService/GetImageUrl', JSON.stringify({ image_id: imageId, expiration: '600s' }));
    expect(ok.status).toBe(200);
    expect(ok.json.url).toMatch(/\/files\//);
  });

  it('a mistake in a Connect streaming request names its path with the list index', async () => {
    const png = (await makePng()).toString('base64');
    const message = Buffer.from(JSON.stringify({ image_data: png, variation_configs: [{ id: 'a' }, { id: 'b', resize: { width: 10, fit: 'cover' } }] }));
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(message.length, 1);
    const res = await fetch(`${app.baseUrl}/image.v1.ProcessingService/GenerateVariations`, {
      method: 'POST',
      headers: { 'content-type': 'application/connect+json' },
      body: Buffer.concat([frame, message]),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    // One end-of-stream frame (flag 2) carrying the error.
    expect(bytes[0]).toBe(2);
    const end = endStreamFromJson(bytes.subarray(5));
    expect(failure(end.error!)).toEqual({
      code: 'InvalidArgument',
      message:
        'variation_configs[1].resize.fit: expected one of FIT_UNSPECIFIED, FIT_INSIDE, FIT_COVER, FIT_CONTAIN, FIT_FILL, FIT_OUTSIDE (the full name, or its number), received "cover"; did you mean FIT_COVER?',
      reason: 'INVALID_ARGUMENT',
      fields: ['variation_configs[1].resize.fit'],
    });
  });

  it('JSON answers carry the false and zero values that are answers: is_ai, index, cached', async () => {
    const generated = await connectJson('image.v1.ImageService/GenerateImage', JSON.stringify({ prompt: 'a red fox', width: 64, height: 64 }));
    expect(generated.status).toBe(200);
    expect(generated.json.image.generated.generationParams).toMatchObject({ provider: 'procedural', isAi: false });

    const json = createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1', useBinaryFormat: false });
    const { models } = await createClient(ImageService, json).listModels({});
    expect(models.map((m) => [m.name, m.isAi, m.isDefault])).toEqual([['procedural-v1', false, true]]);

    const variations = [];
    for await (const v of createClient(ImageService, json).generateVariations({ imageId: generated.json.image.imageId, numVariations: 1 })) variations.push(v);
    expect(variations.map((v) => [v.index, v.total])).toEqual([[0, 1]]);

    const processing = createClient(ProcessingService, json);
    const results = [];
    for await (const r of processing.generateVariations({ imageData: await makePng(), variationConfigs: [{ id: 'x', format: 'webp' }] })) results.push(r);
    expect(results.map((r) => [r.id, r.cached])).toEqual([['x', false]]);
  });
});
