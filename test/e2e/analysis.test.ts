import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import sharp from 'sharp';
import { ProcessingService } from '../../gen/image/v1/processing_service_pb.js';
import { AnalysisType } from '../../gen/image/v1/analysis_pb.js';
import { PaletteType } from '../../gen/image/v1/palette_pb.js';
import { oklabToOklch } from '../../src/color/oklab.js';
import { hexToOklab } from '../../src/color/recolor.js';
import { grpcJsClient, unary } from '../support/grpc-js-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A smooth, photo-like scene (greens, browns, a pale sky). */
async function scene(format: 'png' | 'jpeg', width = 480, height = 320): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 480 320">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#b9d6e8"/><stop offset="1" stop-color="#eef2e0"/></linearGradient></defs>
    <rect width="480" height="320" fill="url(#sky)"/><circle cx="360" cy="80" r="40" fill="#f5e6a3"/>
    <path d="M0 200 Q120 140 240 200 T480 190 V320 H0 Z" fill="#3c7a3a"/><path d="M0 260 Q200 220 480 270 V320 H0 Z" fill="#6b4a2b"/></svg>`;
  const image = sharp(Buffer.from(svg));
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 85 }).toBuffer();
}

describe('ProcessingService.AnalyzeImage and GenerateAndApplyPalette', () => {
  let app: TestApp;
  let client: ReturnType<typeof createClient<typeof ProcessingService>>;
  let jpeg: Buffer;

  beforeAll(async () => {
    app = await startTestApp();
    client = createClient(ProcessingService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
    jpeg = await scene('jpeg');
  });
  afterAll(async () => {
    await app?.stop();
  });

  const failure = async (call: Promise<unknown>) => {
    const err = ConnectError.from(await call.catch((e) => e));
    return [err.code, err.rawMessage];
  };

  it('analyses everything by default; the spec example reads naturally', async () => {
    const analysis = await client.analyzeImage({ imageData: jpeg });
    expect(analysis.colors!.dominant.length).toBeGreaterThanOrEqual(3);
    expect(analysis.colors!.dominant[0].hex).toMatch(/^#[0-9a-f]{6}$/);
    const shares = analysis.colors!.dominant.reduce((s, c) => s + c.proportion, 0);
    expect(shares).toBeCloseTo(1, 2);
    expect(analysis.colors!.isGrayscale).toBe(false);
    // Named after the nearest entry of color-name-list.
    for (const c of [...analysis.colors!.dominant, analysis.colors!.average!]) expect(c.name).not.toBe('');
    expect(analysis.composition!.score).toBeGreaterThanOrEqual(0);
    expect(analysis.composition!.score).toBeLessThanOrEqual(100);
    expect(analysis.quality!.overallScore).toBeGreaterThan(0);
    expect(analysis.quality!.overallScore).toBeLessThanOrEqual(100);
    expect(analysis.metadata).toMatchObject({ format: 'jpeg', width: 480, height: 320, channels: 3, hasAlpha: false, frameCount: 1 });
    expect(analysis.hashes!.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(analysis.hashes!.blurhash.length).toBeGreaterThan(6);
    expect(analysis.hashes!.thumbhash.length).toBeGreaterThan(10);
  });

  it('answers only what was asked (over gRPC)', async () => {
    const grpc = grpcJsClient(ProcessingService, app.address);
    const res = await unary<any>(grpc, 'analyzeImage', { $typeName: 'image.v1.AnalyzeImageRequest', imageData: jpeg, analysisTypes: [AnalysisType.HASHES, AnalysisType.QUALITY] });
    grpc.close();
    expect(res.colors).toBeUndefined();
    expect(res.metadata).toBeUndefined();
    expect(res.hashes.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(res.quality.entropy).toBeGreaterThan(0);
  });

  it('refuses an unsupported analysis type, listing the supported ones, and bad bytes', async () => {
    const supported =
      'one of ANALYSIS_TYPE_COLORS, ANALYSIS_TYPE_COMPOSITION, ANALYSIS_TYPE_QUALITY, ANALYSIS_TYPE_METADATA, ANALYSIS_TYPE_HASHES (colour palettes: ImageService.GenerateColorPalette)';
    expect(await failure(client.analyzeImage({ imageData: jpeg, analysisTypes: [AnalysisType.COLORS, 6 as AnalysisType] }))).toEqual([
      Code.InvalidArgument,
      `analysis_types[1]: expected ${supported}, received 6`,
    ]);
    expect(await failure(client.analyzeImage({ imageData: jpeg, analysisTypes: [AnalysisType.UNSPECIFIED] }))).toEqual([
      Code.InvalidArgument,
      `analysis_types[0]: expected ${supported}, received "ANALYSIS_TYPE_UNSPECIFIED"`,
    ]);
    expect(await failure(client.analyzeImage({ imageData: new Uint8Array() }))).toEqual([Code.InvalidArgument, 'image_data: expected non-empty image bytes, received 0 bytes']);
    expect(await failure(client.analyzeImage({ imageData: Buffer.from('GIF89a-but-not-really') }))).toEqual([Code.InvalidArgument, expect.stringMatching(/^image_data: /)]);
  });

  it('turns "ocean sunset" into distinct blue-and-orange THEME palettes, each applied to the image', async () => {
    const res = await client.generateAndApplyPalette({ imageData: jpeg, themeDescription: 'ocean sunset' });
    expect(res.results).toHaveLength(3);
    const hues = (hexes: string[]) => hexes.map((h) => oklabToOklch(...hexToOklab(h)));
    const seen = new Set<string>();
    for (const { palette, image } of res.results) {
      expect(palette!.type).toBe(PaletteType.THEME);
      expect(palette!.name).toMatch(/^ocean sunset/);
      expect(palette!.colors).toHaveLength(5);
      const lch = hues(palette!.colors.map((c) => c.hex));
      expect(lch.some(([, C, h]) => C > 0.03 && h >= 195 && h <= 285)).toBe(true); // a blue
      expect(lch.some(([, C, h]) => C > 0.05 && (h <= 95 || h >= 330))).toBe(true); // a sunset warm
      for (const c of palette!.colors) {
        expect(c.rgb).toBeDefined();
        expect(c.name).not.toBe('');
      }
      expect(image).toMatchObject({ format: 'jpeg', contentType: 'image/jpeg', width: 480, height: 320 });
      expect(await sharp(image!.data).metadata()).toMatchObject({ format: 'jpeg', width: 480, height: 320 });
      seen.add(palette!.colors.map((c) => c.hex).join());
      seen.add(Buffer.from(image!.data).toString('base64'));
    }
    expect(seen.size).toBe(6); // three different palettes and three different images
  });

  it('honours num_palettes, num_colors, format and strength 0 (the input itself)', async () => {
    const res = await client.generateAndApplyPalette({ imageData: jpeg, themeDescription: 'calm forest morning', numPalettes: 2, numColors: 7, format: 'webp' });
    expect(res.results).toHaveLength(2);
    for (const r of res.results) {
      expect(r.palette!.colors).toHaveLength(7);
      expect(r.image!.format).toBe('webp');
    }
    const unchanged = await client.generateAndApplyPalette({ imageData: jpeg, themeDescription: 'neon', numPalettes: 1, strength: 0 });
    expect(Buffer.from(unchanged.results[0].image!.data).equals(jpeg)).toBe(true);
  });

  it('refuses bad theme requests with the exact message', async () => {
    const theme = (req: { imageData?: Uint8Array; themeDescription?: string; numPalettes?: number; numColors?: number; strength?: number; format?: string }) => failure(client.generateAndApplyPalette({ imageData: jpeg, themeDescription: 'ocean', ...req }));
    expect(await theme({ themeDescription: 'xyzzy qwrtp' })).toEqual([
      Code.InvalidArgument,
      'theme_description: no colour, mood or nature word recognised in "xyzzy qwrtp"; expected words such as "ocean sunset" or "calm forest morning"',
    ]);
    expect(await theme({ themeDescription: '  ' })).toEqual([Code.InvalidArgument, 'theme_description: expected a description such as "ocean sunset", received "  "']);
    expect(await theme({ themeDescription: 'x'.repeat(501) })).toEqual([Code.InvalidArgument, 'theme_description: expected at most 500 characters, received "501 characters"']);
    expect(await theme({ numPalettes: 9 })).toEqual([Code.InvalidArgument, 'num_palettes: expected an integer from 1 to 8, received 9']);
    expect(await theme({ numColors: 1 })).toEqual([Code.InvalidArgument, 'num_colors: expected an integer from 2 to 12, received 1']);
    expect(await theme({ numColors: 13 })).toEqual([Code.InvalidArgument, 'num_colors: expected an integer from 2 to 12, received 13']);
    expect(await theme({ strength: 2 })).toEqual([Code.InvalidArgument, 'strength: expected a number from 0 to 1, received 2']);
    expect(await theme({ format: 'bmp' })).toEqual([Code.InvalidArgument, 'format: expected one of png, jpeg, jpg, webp, avif, tiff, gif, received "bmp"']);
    expect(await theme({ imageData: new Uint8Array() })).toEqual([Code.InvalidArgument, 'image_data: expected non-empty image bytes, received 0 bytes']);
  });
});
