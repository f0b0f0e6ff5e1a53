import { DEFAULT_TENANT } from '../../src/auth/principal.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import sharp from 'sharp';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { ImageKind } from '../../gen/image/v1/asset_pb.js';
import { distanceSquared, type Vec3 } from '../../src/color/oklab.js';
import { hexToOklab } from '../../src/color/recolor.js';
import { recolorPalette } from '../../src/color/recolor-palette.js';
import { lumaSsim } from '../support/luma-ssim.js';
import { newId } from '../../src/util/ids.js';
import { grpcJsClient, unary } from '../support/grpc-js-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { describeDatabases } from '../support/databases.js';

/** A smooth, photo-like scene (greens, browns, a pale sky), so palette and structure mean something. */
async function scene(format: 'png' | 'jpeg'): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="320">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#b9d6e8"/><stop offset="1" stop-color="#eef2e0"/></linearGradient></defs>
    <rect width="480" height="320" fill="url(#sky)"/><circle cx="360" cy="80" r="40" fill="#f5e6a3"/>
    <path d="M0 200 Q120 140 240 200 T480 190 V320 H0 Z" fill="#3c7a3a"/><path d="M0 260 Q200 220 480 270 V320 H0 Z" fill="#6b4a2b"/></svg>`;
  const image = sharp(Buffer.from(svg));
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 85 }).toBuffer();
}

async function raw(bytes: Uint8Array) {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 as const };
}

const TARGET = ['#0b3c5d', '#328cc1', '#d9b310', '#f25c54', '#fde2a7'];

await describeDatabases('ApplyPaletteToImage', (databaseEnv) => {
  let app: TestApp;
  let client: ReturnType<typeof createClient<typeof ImageService>>;
  let pngId: string;
  let jpegId: string;
  let jpegBytes: Buffer;

  beforeAll(async () => {
    app = await startTestApp(await databaseEnv());
    client = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
    pngId = (await client.uploadImage({ fileData: await scene('png'), filename: 'scene.png' })).image!.imageId;
    jpegBytes = await scene('jpeg');
    jpegId = (await client.uploadImage({ fileData: jpegBytes, filename: 'scene.jpg' })).image!.imageId;
  });
  afterAll(async () => {
    await app?.stop();
  });

  const bytesOf = async (imageId: string) => Buffer.from((await client.getImage({ imageId, includeData: true })).data);

  it('recolours towards inline colours: palette close to the target, structure kept, lineage stored', async () => {
    const image = (await client.applyPaletteToImage({ imageId: pngId, target: { case: 'colors', value: { hex: TARGET } } })).image!;
    expect(image.kind).toBe(ImageKind.PROCESSED);
    expect([image.width, image.height, image.contentType]).toEqual([480, 320, 'image/png']);
    expect(image.details.case).toBe('processed');
    if (image.details.case === 'processed') {
      const p = image.details.value;
      expect(p.sourceImageId).toBe(pngId);
      expect(p.processingType).toBe('apply_palette');
      expect(p.processingParams?.format).toBe('png');
      expect(p.processingParams?.operation).toMatchObject({ case: 'applyPalette', value: { paletteId: '', strength: 1, colors: TARGET } });
    }
    const before = await raw(await bytesOf(pngId));
    const after = await raw(await bytesOf(image.imageId));
    const target = TARGET.map(hexToOklab);
    const gap = (data: Buffer) => {
      const palette = recolorPalette(data, 3, TARGET.length);
      return palette.reduce((s, c) => s + c.weight * Math.min(...target.map((t: Vec3) => Math.sqrt(distanceSquared(c.lab, t)))), 0);
    };
    expect(gap(after.data)).toBeLessThan(0.09);
    expect(gap(after.data)).toBeLessThan(0.6 * gap(before.data));
    expect(lumaSsim(before, after)).toBeGreaterThan(0.8);
  });

  it('at strength 0 stores the source bytes unchanged (pixel-identical, even for a JPEG), with lineage', async () => {
    const image = (await client.applyPaletteToImage({ imageId: jpegId, target: { case: 'colors', value: { hex: ['#ff0000'] } }, strength: 0 })).image!;
    expect(image.imageId).not.toBe(jpegId);
    expect(image.kind).toBe(ImageKind.PROCESSED);
    expect(image.contentType).toBe('image/jpeg');
    const stored = await bytesOf(image.imageId);
    expect(stored.equals(jpegBytes)).toBe(true);
    const [a, b] = await Promise.all([raw(stored), raw(jpegBytes)]);
    expect(a.data.equals(b.data)).toBe(true);
    if (image.details.case === 'processed') {
      expect(image.details.value.sourceImageId).toBe(jpegId);
      expect(image.details.value.processingParams?.operation).toMatchObject({ case: 'applyPalette', value: { strength: 0, colors: ['#ff0000'] } });
    }
  });

  it('blends by strength and returns the stored result for the same request', async () => {
    const half = (await client.applyPaletteToImage({ imageId: pngId, target: { case: 'colors', value: { hex: TARGET } }, strength: 0.5 })).image!;
    const again = (await client.applyPaletteToImage({ imageId: pngId, target: { case: 'colors', value: { hex: TARGET.map((h) => h.toUpperCase()) } }, strength: 0.5 })).image!;
    expect(again.imageId).toBe(half.imageId);
    if (half.details.case === 'processed') expect(half.details.value.processingParams?.operation).toMatchObject({ value: { strength: 0.5 } });
    const full = (await client.applyPaletteToImage({ imageId: pngId, target: { case: 'colors', value: { hex: TARGET } } })).image!;
    const [source, mid, end] = await Promise.all([pngId, half.imageId, full.imageId].map(async (id) => (await raw(await bytesOf(id))).data));
    const meanDiff = (x: Buffer, y: Buffer) => x.reduce((s, v, i) => s + Math.abs(v - y[i]), 0) / x.length;
    expect(meanDiff(source, mid)).toBeGreaterThan(0.3 * meanDiff(source, end));
    expect(meanDiff(source, mid)).toBeLessThan(0.7 * meanDiff(source, end));
  });

  it('recolours towards a stored palette by palette_id (over gRPC too)', async () => {
    const paletteId = newId();
    const colors = ['#22223b', '#4a4e69', '#c9ada7', '#f2e9e4'];
    await app.db.palettes.insert({
      id: paletteId,
      tenant: DEFAULT_TENANT,
      name: 'dusk',
      sourceImageId: null,
      type: 'dominant',
      colors: colors.map((hex) => ({ hex, rgb: [0, 0, 0], hsv: [0, 0, 0], name: '', proportion: 0.25 })),
      createdAt: new Date(),
    });
    const grpcClient = grpcJsClient(ImageService, app.address);
    const res = await unary<any>(grpcClient, 'applyPaletteToImage', { $typeName: 'image.v1.ApplyPaletteToImageRequest', imageId: pngId, target: { case: 'paletteId', value: paletteId } });
    grpcClient.close();
    expect(res.image.details.case).toBe('processed');
    expect(res.image.details.value.processingParams.operation).toMatchObject({ case: 'applyPalette', value: { paletteId, colors, strength: 1 } });
  });

  it('refuses bad requests with the code and a message naming the field', async () => {
    const fail = async (req: Parameters<typeof client.applyPaletteToImage>[0]) => ConnectError.from(await client.applyPaletteToImage(req).catch((e) => e));
    const colors = (hex: string[]) => ({ case: 'colors' as const, value: { hex } });
    const cases: [Parameters<typeof client.applyPaletteToImage>[0], Code, string][] = [
      [{ imageId: pngId }, Code.InvalidArgument, 'target: expected palette_id or colors, received nothing'],
      [{ imageId: pngId, target: colors([]) }, Code.InvalidArgument, 'colors.hex: expected 1 to 16 colours "#RRGGBB", received "0 colours"'],
      [{ imageId: pngId, target: colors(Array(17).fill('#000000')) }, Code.InvalidArgument, 'colors.hex: expected 1 to 16 colours "#RRGGBB", received "17 colours"'],
      [{ imageId: pngId, target: colors(['#000000', 'blue']) }, Code.InvalidArgument, 'colors.hex[1]: expected a colour "#RRGGBB", received "blue"'],
      [{ imageId: pngId, target: colors(['#00000080']) }, Code.InvalidArgument, 'colors.hex[0]: expected a colour "#RRGGBB", received "#00000080"'],
      [{ imageId: pngId, target: colors(['#000000']), strength: 1.5 }, Code.InvalidArgument, 'strength: expected a number from 0 to 1, received 1.5'],
      [{ imageId: pngId, target: colors(['#000000']), strength: -1 }, Code.InvalidArgument, 'strength: expected a number from 0 to 1, received -1'],
      [{ imageId: pngId, target: { case: 'paletteId', value: 'nope' } }, Code.InvalidArgument, 'palette_id: expected an id like "0190b6e2-7c1a-7d3e-9f00-0123456789ab", received "nope"'],
      [{ imageId: pngId, target: { case: 'paletteId', value: '0190b6e2-7c1a-7d3e-9f00-0123456789ab' } }, Code.NotFound, 'palette "0190b6e2-7c1a-7d3e-9f00-0123456789ab" not found'],
      [{ imageId: '', target: colors(['#000000']) }, Code.InvalidArgument, 'image_id: expected an id, received ""'],
      [{ imageId: '0190b6e2-7c1a-7d3e-9f00-0123456789ab', target: colors(['#000000']) }, Code.NotFound, 'image "0190b6e2-7c1a-7d3e-9f00-0123456789ab" not found'],
    ];
    for (const [req, code, message] of cases) {
      const err = await fail(req);
      expect([err.code, err.rawMessage], message).toEqual([code, message]);
    }
  });
});
