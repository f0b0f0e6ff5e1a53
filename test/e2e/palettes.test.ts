import { DEFAULT_TENANT } from '../../src/auth/principal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import sharp from 'sharp';
import { ImageService } from '../../gen/image/v1/image_service_pb.js';
import { PaletteType, type Palette } from '../../gen/image/v1/palette_pb.js';
import { BadRequestSchema, ErrorInfoSchema } from '../../gen/google/rpc/error_details_pb.js';
import { distanceSquared, srgbToOklab } from '../../src/color/oklab.js';
import { describeDatabases } from '../support/databases.js';
import { grpcJsClient, unary } from '../support/grpc-js-client.js';
import { haveSharedImages, sharedImage } from '../support/shared-images.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ALL_TYPES = [
  PaletteType.DOMINANT, PaletteType.VIBRANT, PaletteType.MUTED, PaletteType.DARK, PaletteType.LIGHT, PaletteType.PASTEL,
  PaletteType.COMPLEMENTARY, PaletteType.ANALOGOUS, PaletteType.TRIADIC, PaletteType.SPLIT_COMPLEMENTARY, PaletteType.TETRADIC,
  PaletteType.MONOCHROMATIC, PaletteType.SHADES,
];
const SUPPORTED =
  'one of PALETTE_TYPE_DOMINANT, PALETTE_TYPE_VIBRANT, PALETTE_TYPE_MUTED, PALETTE_TYPE_DARK, PALETTE_TYPE_LIGHT, PALETTE_TYPE_PASTEL, ' +
  'PALETTE_TYPE_COMPLEMENTARY, PALETTE_TYPE_ANALOGOUS, PALETTE_TYPE_TRIADIC, PALETTE_TYPE_SPLIT_COMPLEMENTARY, PALETTE_TYPE_TETRADIC, ' +
  'PALETTE_TYPE_MONOCHROMATIC, PALETTE_TYPE_SHADES (PALETTE_TYPE_UNSPECIFIED means DOMINANT; THEME palettes come only from GenerateAndApplyPalette)';
const MISSING_ID = '0190b6e2-7c1a-7d3e-9f00-0123456789ab';

/** A PNG of horizontal bands: red 50 %, green 30 %, blue 20 % of the pixels. */
async function threeBlocks(): Promise<Buffer> {
  const w = 120;
  const h = 100;
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    const color = y < 50 ? [200, 30, 40] : y < 80 ? [30, 160, 60] : [40, 90, 230];
    for (let x = 0; x < w; x++) raw.set(color, (y * w + x) * 3);
  }
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

/** A hue sweep with a lightness ramp: a colourful synthetic image. */
async function rainbow(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><defs>
    <linearGradient id="h"><stop offset="0" stop-color="#f00"/><stop offset=".2" stop-color="#ff0"/><stop offset=".4" stop-color="#0f0"/><stop offset=".6" stop-color="#0ff"/><stop offset=".8" stop-color="#00f"/><stop offset="1" stop-color="#f0f"/></linearGradient>
    <linearGradient id="v" x2="0" y2="1"><stop offset="0" stop-color="#fff" stop-opacity=".6"/><stop offset=".5" stop-color="#fff" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity=".7"/></linearGradient></defs>
    <rect width="300" height="200" fill="url(#h)"/><rect width="300" height="200" fill="url(#v)"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

/** Every colour well formed (hex, rgb, hsv, name agree), and all of them pairwise distinct. */
function expectValidDistinctColors(palette: Palette, count: number): void {
  expect(palette.colors).toHaveLength(count);
  for (const c of palette.colors) {
    expect(c.hex).toMatch(/^#[0-9a-f]{6}$/);
    expect(c.hex).toBe(`#${[c.rgb!.r, c.rgb!.g, c.rgb!.b].map((v) => v.toString(16).padStart(2, '0')).join('')}`);
    expect(c.hsv!.h).toBeGreaterThanOrEqual(0);
    expect(c.hsv!.h).toBeLessThan(360);
    expect(c.hsv!.v).toBeCloseTo(Math.max(c.rgb!.r, c.rgb!.g, c.rgb!.b) / 255, 3);
    expect(c.hsv!.s).toBeGreaterThanOrEqual(0);
    expect(c.hsv!.s).toBeLessThanOrEqual(1);
    expect(c.name.length).toBeGreaterThan(0);
    expect(c.proportion).toBeGreaterThanOrEqual(0);
    expect(c.proportion).toBeLessThanOrEqual(1);
  }
  const labs = palette.colors.map((c) => srgbToOklab(c.rgb!.r, c.rgb!.g, c.rgb!.b));
  for (let i = 0; i < labs.length; i++) for (let j = i + 1; j < labs.length; j++) expect(distanceSquared(labs[i], labs[j])).toBeGreaterThanOrEqual(0.02 ** 2 - 1e-12);
}

await describeDatabases('palettes end to end', (databaseEnv) => {
  let app: TestApp;
  let grpcClient: grpc.Client & Record<string, any>;
  let connect: Client<typeof ImageService>;
  let connect2: Client<typeof ImageService>;
  let blocksId: string;
  let rainbowId: string;

  beforeAll(async () => {
    app = await startTestApp(await databaseEnv());
    grpcClient = grpcJsClient(ImageService, app.address);
    connect = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' }));
    connect2 = createClient(ImageService, createConnectTransport({ baseUrl: app.baseUrl, httpVersion: '2' }));
    blocksId = (await connect.uploadImage({ fileData: await threeBlocks(), filename: 'blocks.png' })).image!.imageId;
    rainbowId = (await connect.uploadImage({ fileData: await rainbow(), filename: 'rainbow.jpg' })).image!.imageId;
  });
  afterAll(async () => {
    grpcClient?.close();
    await app?.stop();
  });

  const storedPalettes = async () => (await app.db.palettes.list(DEFAULT_TENANT, { limit: 100 })).items.length;

  it('finds three known colour blocks with their shares (over @grpc/grpc-js), stores the palette, and reads it back over Connect', async () => {
    const res: any = await unary(grpcClient, 'generateColorPalette', {
      $typeName: 'image.v1.GenerateColorPaletteRequest',
      imageId: blocksId,
      numColors: 3,
      paletteType: PaletteType.DOMINANT,
      name: 'Three blocks',
    });
    const palette: Palette = res.palette;
    expect(palette).toMatchObject({ name: 'Three blocks', sourceImageId: blocksId, type: PaletteType.DOMINANT });
    expect(palette.paletteId).toMatch(/^[0-9a-f-]{36}$/);
    expect(palette.colors.map((c) => c.hex)).toEqual(['#c81e28', '#1ea03c', '#285ae6']);
    // proportion is a float on the wire: exact to float precision.
    [0.5, 0.3, 0.2].forEach((share, i) => expect(palette.colors[i].proportion).toBeCloseTo(share, 6));
    expect(palette.colors[0].rgb).toMatchObject({ r: 200, g: 30, b: 40 });
    expect(palette.colors[0].hsv!.h).toBeCloseTo(356.47, 2);
    expect(palette.colors[0].hsv!.s).toBeCloseTo(0.85, 3);
    expect(palette.colors[0].hsv!.v).toBeCloseTo(0.7843, 3);
    expectValidDistinctColors(palette, 3);

    const got = await connect.getPalette({ paletteId: palette.paletteId });
    expect(got.palette!.colors).toEqual(palette.colors);
    expect(got.palette).toMatchObject({ paletteId: palette.paletteId, name: 'Three blocks', sourceImageId: blocksId, type: PaletteType.DOMINANT });
    expect(got.palette!.createdAt!.seconds).toBe(palette.createdAt!.seconds);
  });

  it('gives every type from one GenerateMultiplePalettes call, each exactly num_colors distinct colours, in the order asked (Connect over HTTP/2)', async () => {
    const before = await storedPalettes();
    const { palettes } = await connect2.generateMultiplePalettes({ imageId: rainbowId, paletteTypes: ALL_TYPES, numColors: 7 });
    expect(palettes.map((p) => p.type)).toEqual(ALL_TYPES);
    expect(new Set(palettes.map((p) => p.paletteId)).size).toBe(ALL_TYPES.length);
    for (const p of palettes) {
      expect(p.sourceImageId).toBe(rainbowId);
      expectValidDistinctColors(p, 7);
    }
    expect(palettes[0].name).toBe('Dominant palette of rainbow.jpg');
    expect(palettes[9].name).toBe('Split complementary palette of rainbow.jpg');
    expect(palettes[0].colors.reduce((s, c) => s + c.proportion, 0)).toBeCloseTo(1, 3);
    // Harmonies are made, not measured.
    for (const p of palettes.slice(6)) expect(p.colors.every((c) => c.proportion === 0)).toBe(true);
    expect(await storedPalettes()).toBe(before + ALL_TYPES.length);
  });

  it('takes PALETTE_TYPE_UNSPECIFIED as dominant and 0 colours as the default 5 (over gRPC-Web)', async () => {
    const web = createClient(ImageService, createGrpcWebTransport({ baseUrl: app.baseUrl, httpVersion: '1.1' }));
    const { palette } = await web.generateColorPalette({ imageId: rainbowId });
    expect(palette!.type).toBe(PaletteType.DOMINANT);
    expectValidDistinctColors(palette!, 5);
  });

  it.runIf(haveSharedImages)('gives every type at 1, 5 and 16 colours on a real photo (../shared/images/Garden.jpg)', async () => {
    const { image } = await connect2.uploadImage({ fileData: sharedImage('Garden.jpg'), filename: 'Garden.jpg' });
    for (const numColors of [1, 5, 16]) {
      const { palettes } = await connect2.generateMultiplePalettes({ imageId: image!.imageId, paletteTypes: ALL_TYPES, numColors });
      palettes.forEach((p) => expectValidDistinctColors(p, numColors));
    }
  });

  it('lists palettes newest first, paged like ListImages, filtered by source image', async () => {
    const { image } = await connect.uploadImage({ fileData: await threeBlocks(), filename: 'again.png' });
    const made = (await connect.generateMultiplePalettes({ imageId: image!.imageId, paletteTypes: ALL_TYPES.slice(0, 5), numColors: 2 })).palettes.map((p) => p.paletteId);
    const one = (await connect.generateColorPalette({ imageId: image!.imageId, paletteType: PaletteType.SHADES })).palette!.paletteId;
    const seen: string[] = [];
    let token = '';
    do {
      const page = await connect.listPalettes({ pageSize: 4, pageToken: token, sourceImageId: image!.imageId });
      expect(page.palettes.length).toBeLessThanOrEqual(4);
      expect(page.palettes.every((p) => p.sourceImageId === image!.imageId)).toBe(true);
      seen.push(...page.palettes.map((p) => p.paletteId));
      token = page.nextPageToken;
    } while (token);
    // Ids are time-ordered; palettes stored in one call share a millisecond, so compare as sets there.
    expect(seen[0]).toBe(one);
    expect(new Set(seen.slice(1))).toEqual(new Set(made));
    const all = await connect.listPalettes({});
    expect(all.palettes.length).toBeLessThanOrEqual(20);
    expect(all.palettes.length).toBeGreaterThanOrEqual(7);
  });

  describe('errors: code, message naming the field and the value, reason; nothing stored', () => {
    async function expectRejected(call: () => Promise<unknown>, code: Code, message: string | RegExp, reason: string, field?: string) {
      const before = await storedPalettes();
      const err = await call().then(
        () => undefined,
        (e) => ConnectError.from(e),
      );
      expect(err, 'the call should fail').toBeDefined();
      expect(Code[err!.code]).toBe(Code[code]);
      if (typeof message === 'string') expect(err!.rawMessage).toBe(message);
      else expect(err!.rawMessage).toMatch(message);
      expect(err!.findDetails(ErrorInfoSchema)[0]?.reason).toBe(reason);
      if (field) expect(err!.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field)).toEqual([field]);
      expect(await storedPalettes()).toBe(before);
    }

    it('num_colors out of range', async () => {
      await expectRejected(() => connect.generateColorPalette({ imageId: blocksId, numColors: 17 }), Code.InvalidArgument, 'num_colors: expected an integer from 1 to 16, received 17', 'INVALID_ARGUMENT', 'num_colors');
      await expectRejected(() => connect.generateMultiplePalettes({ imageId: blocksId, numColors: -3, paletteTypes: [PaletteType.DOMINANT] }), Code.InvalidArgument, 'num_colors: expected an integer from 1 to 16, received -3', 'INVALID_ARGUMENT', 'num_colors');
    });

    it('THEME, which only GenerateAndApplyPalette produces, and a number the contract does not define', async () => {
      await expectRejected(() => connect.generateColorPalette({ imageId: blocksId, paletteType: PaletteType.THEME }), Code.InvalidArgument, `palette_type: expected ${SUPPORTED}, received "PALETTE_TYPE_THEME"`, 'INVALID_ARGUMENT', 'palette_type');
      await expectRejected(() => connect.generateColorPalette({ imageId: blocksId, paletteType: 99 as PaletteType }), Code.InvalidArgument, `palette_type: expected ${SUPPORTED}, received 99`, 'INVALID_ARGUMENT', 'palette_type');
      await expectRejected(
        () => connect.generateMultiplePalettes({ imageId: blocksId, paletteTypes: [PaletteType.DOMINANT, PaletteType.THEME] }),
        Code.InvalidArgument,
        `palette_types[1]: expected ${SUPPORTED}, received "PALETTE_TYPE_THEME"`,
        'INVALID_ARGUMENT',
        'palette_types[1]',
      );
    });

    it('no palette types, or one twice', async () => {
      await expectRejected(() => connect.generateMultiplePalettes({ imageId: blocksId, paletteTypes: [] }), Code.InvalidArgument, /^palette_types: expected at least one of dominant, vibrant, .*, shades, received "none"$/, 'INVALID_ARGUMENT', 'palette_types');
      await expectRejected(
        () => connect.generateMultiplePalettes({ imageId: blocksId, paletteTypes: [PaletteType.MUTED, PaletteType.UNSPECIFIED, PaletteType.MUTED] }),
        Code.InvalidArgument,
        'palette_types[2]: expected each palette type at most once, received "muted"',
        'INVALID_ARGUMENT',
        'palette_types[2]',
      );
    });

    it('a missing, malformed or unknown image', async () => {
      await expectRejected(() => connect.generateColorPalette({}), Code.InvalidArgument, 'image_id: expected an id, received ""', 'INVALID_ARGUMENT', 'image_id');
      await expectRejected(() => connect.generateColorPalette({ imageId: 'photo.jpg' }), Code.InvalidArgument, /^image_id: expected an id like ".*", received "photo.jpg"$/, 'INVALID_ARGUMENT', 'image_id');
      await expectRejected(() => connect.generateMultiplePalettes({ imageId: MISSING_ID, paletteTypes: [PaletteType.DOMINANT] }), Code.NotFound, `image "${MISSING_ID}" not found`, 'IMAGE_NOT_FOUND');
    });

    it('a display name over 200 characters', async () => {
      await expectRejected(() => connect.generateColorPalette({ imageId: blocksId, name: 'n'.repeat(201) }), Code.InvalidArgument, 'name: expected at most 200 characters, received "201 characters"', 'INVALID_ARGUMENT', 'name');
    });

    it('GetPalette of an unknown or malformed id', async () => {
      await expectRejected(() => connect.getPalette({ paletteId: MISSING_ID }), Code.NotFound, `palette "${MISSING_ID}" not found`, 'PALETTE_NOT_FOUND');
      await expectRejected(() => connect.getPalette({ paletteId: '' }), Code.InvalidArgument, 'palette_id: expected an id, received ""', 'INVALID_ARGUMENT', 'palette_id');
    });

    it('ListPalettes with a bad page size, page token or source id', async () => {
      await expectRejected(() => connect.listPalettes({ pageSize: 101 }), Code.InvalidArgument, 'page_size: expected an integer from 1 to 100, received 101', 'INVALID_ARGUMENT', 'page_size');
      await expectRejected(() => connect.listPalettes({ pageToken: 'not-a-token' }), Code.InvalidArgument, /^page_token: expected a page_token from a previous response/, 'INVALID_ARGUMENT', 'page_token');
      await expectRejected(() => connect.listPalettes({ sourceImageId: 'x' }), Code.InvalidArgument, /^source_image_id: expected an id like/, 'INVALID_ARGUMENT', 'source_image_id');
    });

    it('the same codes over @grpc/grpc-js', async () => {
      const failure = (call: Promise<unknown>) =>
        call.then(
          () => {
            throw new Error('expected a failure');
          },
          (e: grpc.ServiceError) => e,
        );
      const err = await failure(unary(grpcClient, 'generateColorPalette', { $typeName: 'image.v1.GenerateColorPaletteRequest', imageId: blocksId, numColors: 0, paletteType: PaletteType.THEME, name: '' }));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toBe(`palette_type: expected ${SUPPORTED}, received "PALETTE_TYPE_THEME"`);
      const missing = await failure(unary(grpcClient, 'getPalette', { $typeName: 'image.v1.GetPaletteRequest', paletteId: MISSING_ID }));
      expect(missing.code).toBe(grpc.status.NOT_FOUND);
    });
  });
});
