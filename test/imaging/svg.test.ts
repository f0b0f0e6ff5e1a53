import { create } from '@bufbuild/protobuf';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { ExportOptionsSchema } from '../../gen/image/v1/operations_pb.js';
import { encodeOptions } from '../../src/api/translate/encode-options.js';
import type { EncodedImage, SvgOptions } from '../../src/imaging/image-processor.js';
import { sniffFormat } from '../../src/imaging/sniff.js';
import { haveSharedImages, sharedImage } from '../support/shared-images.js';
import { createPool } from './images.js';

const sut = createPool();
afterAll(() => sut.close());

const SVG: SvgOptions = { format: 'svg', colors: 16, maxSvgBytes: 4 * 1024 * 1024, embedRaster: false };

/** Four flat quadrants (red, green, blue, yellow): a picture a tracer should reproduce closely. */
async function quadrants(width = 200, height = 160): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  const colours = [
    [230, 30, 30],
    [30, 200, 60],
    [40, 60, 220],
    [240, 220, 40],
  ];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = colours[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)];
      data.set(c, (y * width + x) * 3);
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

async function meanRgb(bytes: Uint8Array, width?: number, height?: number): Promise<number[]> {
  let image = sharp(bytes).flatten({ background: '#ffffff' });
  if (width !== undefined) image = image.resize(width, height, { fit: 'fill' });
  const { channels } = await image.stats();
  return channels.slice(0, 3).map((c) => c.mean);
}

function svgText(result: EncodedImage): string {
  return result.data.toString('utf8');
}

describe('svg export', () => {
  it('traces a real vector SVG that rasterises back to the picture', async () => {
    const input = await quadrants();
    const result = await sut.run(input, { steps: [], output: SVG });
    expect(result).toMatchObject({ format: 'svg', contentType: 'image/svg+xml', width: 200, height: 160, vectorTraced: true });
    expect(result.note).toBeUndefined();
    expect(result.quality).toBeUndefined();
    const text = svgText(result);
    expect(text).toMatch(/<svg [^>]*width="200" height="160"/);
    expect(text).toContain('<path');
    expect(text).not.toContain('<image');
    expect(sniffFormat(result.data)).toBe('svg');
    // It parses: librsvg (through sharp) renders it at its declared size.
    const rendered = await sharp(result.data).metadata();
    expect([rendered.format, rendered.width, rendered.height]).toEqual(['svg', 200, 160]);
    // And it looks like the input: each quadrant's colour and the overall mean.
    const raster = await sharp(result.data).removeAlpha().raw().toBuffer();
    const at = (x: number, y: number) => [...raster.subarray((y * 200 + x) * 3, (y * 200 + x) * 3 + 3)];
    for (const [[x, y], rgb] of [
      [[50, 40], [230, 30, 30]],
      [[150, 40], [30, 200, 60]],
      [[50, 120], [40, 60, 220]],
      [[150, 120], [240, 220, 40]],
    ] as const) {
      at(x, y).forEach((v, i) => expect(Math.abs(v - rgb[i])).toBeLessThanOrEqual(6));
    }
    const [want, got] = [await meanRgb(input), await meanRgb(result.data)];
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(4));
  });

  it('traces with the number of colours asked for', async () => {
    const input = await sharp({ create: { width: 120, height: 90, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
      .blur(3)
      .png()
      .toBuffer();
    const fills = (result: EncodedImage) => new Set(svgText(result).match(/fill="rgb\([^)]*\)"/g)).size;
    const two = await sut.run(input, { steps: [], output: { ...SVG, colors: 2 } });
    const many = await sut.run(input, { steps: [], output: { ...SVG, colors: 24 } });
    expect(two.vectorTraced && many.vectorTraced).toBe(true);
    expect(fills(two)).toBeLessThanOrEqual(2);
    expect(fills(many)).toBeGreaterThan(2);
    expect(fills(many)).toBeLessThanOrEqual(24);
  });

  it('leaves transparent areas transparent, or flattens them onto the background asked for', async () => {
    const input = await sharp({ create: { width: 80, height: 80, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .composite([{ input: { create: { width: 40, height: 40, channels: 4, background: '#0000ff' } }, left: 20, top: 20 }])
      .png()
      .toBuffer();
    const traced = await sut.run(input, { steps: [], output: SVG });
    const pixels = await sharp(traced.data).ensureAlpha().raw().toBuffer();
    expect(pixels[3]).toBe(0); // corner
    expect([...pixels.subarray((40 * 80 + 40) * 4, (40 * 80 + 40) * 4 + 4)]).toEqual([0, 0, 255, 255]);
    const flattened = await sut.run(input, { steps: [], output: { ...SVG, background: '#ffff00' } });
    const flat = await sharp(flattened.data).ensureAlpha().raw().toBuffer();
    expect([...flat.subarray(0, 4)]).toEqual([255, 255, 0, 255]);
  });

  it('traces after the pipeline\'s steps, and through the boundary translation', async () => {
    const input = await quadrants(400, 320);
    const output = encodeOptions('svg', create(ExportOptionsSchema, { svg: { colors: 4 } }), '');
    const result = await sut.run(input, { steps: [{ op: 'resize', width: 100, fit: 'inside' }], output });
    expect(result).toMatchObject({ format: 'svg', width: 100, height: 80, vectorTraced: true });
  });

  it.each([
    [1, 1],
    [2, 1],
    [2000, 2],
  ])('traces a tiny or thin %ix%i image (too small for the median filter or the speckle cut)', async (width, height) => {
    const input = await sharp({ create: { width, height, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const result = await sut.run(input, { steps: [], output: SVG });
    expect(result).toMatchObject({ width, height, vectorTraced: true });
    const { channels } = await sharp(result.data).stats();
    expect(channels.map((c) => Math.round(c.mean))).toEqual([255, 0, 0, 255]);
  });

  it('traces a fully transparent image as an empty SVG', async () => {
    const input = await sharp({ create: { width: 10, height: 10, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const result = await sut.run(input, { steps: [], output: SVG });
    expect(result.vectorTraced).toBe(true);
    expect(svgText(result)).not.toContain('<path');
    expect((await sharp(result.data).metadata()).width).toBe(10);
  });

  it('embeds the raster as a PNG <image> when embed_raster is set, and says so', async () => {
    const input = await quadrants();
    const result = await sut.run(input, { steps: [], output: { ...SVG, embedRaster: true } });
    expect(result).toMatchObject({ format: 'svg', contentType: 'image/svg+xml', width: 200, height: 160, vectorTraced: false });
    expect(result.note).toBe('embed_raster was set: the image is embedded as a PNG raster');
    const text = svgText(result);
    const [, base64] = /xlink:href="data:image\/png;base64,([^"]+)"/.exec(text) ?? [];
    expect(base64).toBeDefined();
    const png = Buffer.from(base64, 'base64');
    expect(sniffFormat(png)).toBe('png');
    // The embedded PNG is the picture itself, and the SVG renders to it.
    const original = await sharp(input).raw().toBuffer();
    expect((await sharp(png).raw().toBuffer()).equals(original)).toBe(true);
    expect((await sharp(result.data).removeAlpha().raw().toBuffer()).equals(original)).toBe(true);
  });

  it('falls back to the embedded raster when the trace would exceed max_svg_bytes, and says why', async () => {
    const input = await quadrants();
    const result = await sut.run(input, { steps: [], output: { ...SVG, maxSvgBytes: 200 } });
    expect(result.vectorTraced).toBe(false);
    expect(result.note).toMatch(/^the vector trace was \d+ bytes, over max_svg_bytes \(200\): the image is embedded as a PNG raster instead$/);
    expect(svgText(result)).toContain('<image ');
    expect(await meanRgb(result.data)).toEqual(await meanRgb(input));
  });

  it('is a composite output too', async () => {
    const red = await sharp({ create: { width: 50, height: 50, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const result = await sut.composite({
      width: 100,
      height: 50,
      background: '#0000ff',
      layers: [{ input: red, position: { left: 0, top: 0 }, opacity: 1, blend: 'over', rotation: 0 }],
      output: SVG,
    });
    expect(result).toMatchObject({ format: 'svg', width: 100, height: 50, vectorTraced: true });
    const raster = await sharp(result.data).removeAlpha().raw().toBuffer();
    expect([...raster.subarray((25 * 100 + 25) * 3, (25 * 100 + 25) * 3 + 3)]).toEqual([255, 0, 0]);
    expect([...raster.subarray((25 * 100 + 75) * 3, (25 * 100 + 75) * 3 + 3)]).toEqual([0, 0, 255]);
  });

  it.skipIf(!haveSharedImages)('traces a real photo downscaled, its rasterisation close in colour', async () => {
    const photo = await sharp(sharedImage('Garden.jpg')).resize(1024).jpeg().toBuffer();
    const result = await sut.run(photo, { steps: [], output: SVG });
    expect(result).toMatchObject({ width: 1024, vectorTraced: true });
    expect(result.data.length).toBeLessThan(SVG.maxSvgBytes);
    const meta = await sharp(photo).metadata();
    const [want, got] = [await meanRgb(photo), await meanRgb(result.data, meta.width, meta.height)];
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(5));
  });
});
