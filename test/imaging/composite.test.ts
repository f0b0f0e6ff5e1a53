import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError, type AppError } from '../../src/errors/index.js';
import type { BlendMode, CompositeLayer, CompositeSpec } from '../../src/imaging/image-processor.js';
import { createPool, pngBomb } from './images.js';

const sut = createPool({ maxInputPixels: 1_000_000, maxOutputDimension: 4096 });
afterAll(() => sut.close());

/** An opaque PNG of one colour. */
function flat(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
}

async function decode(bytes: Uint8Array): Promise<{ at: (x: number, y: number) => number[]; width: number; height: number }> {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    at: (x, y) => [...data.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4)],
  };
}

function layer(input: Uint8Array, overrides: Partial<CompositeLayer> = {}): CompositeLayer {
  return { input, position: { left: 0, top: 0 }, opacity: 1, blend: 'over', rotation: 0, ...overrides };
}

function spec(width: number, height: number, layers: CompositeLayer[], overrides: Partial<CompositeSpec> = {}): CompositeSpec {
  return { width, height, background: '#c8c8c8', layers, output: { format: 'png' }, ...overrides };
}

async function compositeError(s: CompositeSpec): Promise<AppError> {
  const error = await sut.composite(s).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

const RED = [255, 0, 0, 255];
const BASE = [200, 200, 200, 255];

describe('WorkerPool.composite', () => {
  it('draws a layer at an offset over the background colour, encoded as asked', async () => {
    const result = await sut.composite(spec(100, 50, [layer(await flat(20, 10, [255, 0, 0]), { position: { left: 10, top: 5 } })]));
    expect(result).toMatchObject({ format: 'png', contentType: 'image/png', width: 100, height: 50 });
    const out = await decode(result.data);
    expect(out.at(10, 5)).toEqual(RED);
    expect(out.at(29, 14)).toEqual(RED);
    expect(out.at(9, 5)).toEqual(BASE);
    expect(out.at(30, 14)).toEqual(BASE);
    expect(out.at(10, 15)).toEqual(BASE);
  });

  it('clips a layer at a negative offset, one past the far edges, and skips one entirely off the canvas', async () => {
    const red = await flat(20, 10, [255, 0, 0]);
    const result = await sut.composite(
      spec(100, 50, [
        layer(red, { position: { left: -15, top: -5 } }),
        layer(red, { position: { left: 90, top: 45 } }),
        layer(red, { position: { left: 200, top: -300 } }),
      ]),
    );
    const out = await decode(result.data);
    expect(out.at(4, 4)).toEqual(RED);
    expect(out.at(5, 4)).toEqual(BASE);
    expect(out.at(4, 5)).toEqual(BASE);
    expect(out.at(90, 45)).toEqual(RED);
    expect(out.at(99, 49)).toEqual(RED);
    expect(out.at(89, 49)).toEqual(BASE);
  });

  it('clips a layer larger than the canvas', async () => {
    const big = await flat(300, 300, [255, 0, 0]);
    const out = await decode((await sut.composite(spec(100, 80, [layer(big, { position: { left: -100, top: -100 } })]))).data);
    expect(out.at(0, 0)).toEqual(RED);
    expect(out.at(99, 79)).toEqual(RED);
  });

  it.each([
    ['centre', [40, 20], [59, 29]],
    ['north', [40, 0], [59, 9]],
    ['northeast', [80, 0], [99, 9]],
    ['east', [80, 20], [99, 29]],
    ['southeast', [80, 40], [99, 49]],
    ['south', [40, 40], [59, 49]],
    ['southwest', [0, 40], [19, 49]],
    ['west', [0, 20], [19, 29]],
    ['northwest', [0, 0], [19, 9]],
  ] as const)('anchors a layer by gravity %s', async (anchor, [x0, y0], [x1, y1]) => {
    const out = await decode((await sut.composite(spec(100, 50, [layer(await flat(20, 10, [255, 0, 0]), { position: { anchor } })]))).data);
    expect(out.at(x0, y0)).toEqual(RED);
    expect(out.at(x1, y1)).toEqual(RED);
    if (x0 > 0) expect(out.at(x0 - 1, y0)).toEqual(BASE);
    if (y1 < 49) expect(out.at(x1, y1 + 1)).toEqual(BASE);
  });

  it('resizes a layer into its box (fit inside) before placing it', async () => {
    const red = await flat(40, 20, [255, 0, 0]);
    const byWidth = await decode((await sut.composite(spec(100, 50, [layer(red, { box: { width: 10 } })]))).data);
    expect(byWidth.at(9, 4)).toEqual(RED);
    expect(byWidth.at(10, 4)).toEqual(BASE);
    expect(byWidth.at(9, 5)).toEqual(BASE);
    // A 30x30 box: the 2:1 layer fits as 30x15.
    const inBox = await decode((await sut.composite(spec(100, 50, [layer(red, { box: { width: 30, height: 30 } })]))).data);
    expect(inBox.at(29, 14)).toEqual(RED);
    expect(inBox.at(29, 15)).toEqual(BASE);
    expect(inBox.at(30, 14)).toEqual(BASE);
  });

  it('opacity 0.5 halves the layer\'s contribution', async () => {
    const white = await flat(10, 10, [255, 255, 255]);
    const result = await sut.composite(spec(10, 10, [layer(white, { opacity: 0.5 })], { background: '#000000' }));
    const [r, g, b, a] = (await decode(result.data)).at(5, 5);
    for (const v of [r, g, b]) expect(Math.abs(v - 127.5)).toBeLessThanOrEqual(1);
    expect(a).toBe(255);
    const faded = await sut.composite(spec(10, 10, [layer(await flat(10, 10, [100, 100, 100]), { opacity: 0.5 })]));
    expect(Math.abs((await decode(faded.data)).at(5, 5)[0] - 150)).toBeLessThanOrEqual(1);
    const none = await sut.composite(spec(10, 10, [layer(white, { opacity: 0 })]));
    expect((await decode(none.data)).at(5, 5)).toEqual(BASE);
  });

  // Grey 100 (s = 0.392) over grey 200 (b = 0.784), by the W3C/PDF blend formulas libvips follows.
  const s = 100 / 255;
  const b = 200 / 255;
  const blends: [BlendMode, number][] = [
    ['over', s],
    ['multiply', s * b],
    ['screen', s + b - s * b],
    ['overlay', s + (2 * b - 1) - s * (2 * b - 1)], // b > 0.5: screen(s, 2b - 1)
    ['darken', Math.min(s, b)],
    ['lighten', Math.max(s, b)],
    ['colour-dodge', Math.min(1, b / (1 - s))],
    ['colour-burn', 1 - Math.min(1, (1 - b) / s)],
    ['hard-light', b * 2 * s], // s <= 0.5: multiply(b, 2s)
    ['soft-light', b - (1 - 2 * s) * b * (1 - b)], // s <= 0.5
    ['difference', Math.abs(s - b)],
    ['exclusion', s + b - 2 * s * b],
    ['add', Math.min(1, s + b)],
    ['saturate', b], // over an opaque backdrop nothing is added
  ];
  it.each(blends)('blend %s of grey 100 over grey 200 gives the formula\'s value', async (blend, expected) => {
    const result = await sut.composite(spec(8, 8, [layer(await flat(8, 8, [100, 100, 100]), { blend })]));
    const [r, g, bl, a] = (await decode(result.data)).at(4, 4);
    expect(Math.abs(r - expected * 255)).toBeLessThanOrEqual(2);
    expect([g, bl]).toEqual([r, r]);
    expect(a).toBe(255);
  });

  it('multiply of grey 128 over 200 gives about 100', async () => {
    const result = await sut.composite(spec(4, 4, [layer(await flat(4, 4, [128, 128, 128]), { blend: 'multiply' })]));
    expect(Math.abs((await decode(result.data)).at(2, 2)[0] - 100)).toBeLessThanOrEqual(1);
  });

  it('rotates a layer about its centre, leaving its corners transparent', async () => {
    const square = await flat(40, 40, [255, 0, 0]);
    const result = await sut.composite(spec(100, 100, [layer(square, { position: { anchor: 'centre' }, rotation: 45 })], { background: undefined }));
    const out = await decode(result.data);
    expect(out.at(50, 50)).toEqual(RED);
    // Inside the diamond |dx| + |dy| <= 28, outside it transparent where the unrotated square was red.
    expect(out.at(50 + 25, 50)).toEqual(RED);
    expect(out.at(50, 50 - 25)).toEqual(RED);
    expect(out.at(50 + 18, 50 + 18)[3]).toBe(0);
    expect(out.at(50 - 18, 50 - 18)[3]).toBe(0);
    expect(out.at(0, 0)).toEqual([0, 0, 0, 0]);
  });

  it('rotates by a right angle into the swapped size', async () => {
    const wide = await flat(40, 10, [255, 0, 0]);
    const out = await decode((await sut.composite(spec(100, 100, [layer(wide, { position: { anchor: 'centre' }, rotation: 90 })]))).data);
    expect(out.at(50, 50 - 19)).toEqual(RED);
    expect(out.at(50, 50 + 19)).toEqual(RED);
    expect(out.at(50 + 8, 50)).toEqual(BASE);
  });

  it('fills the canvas with a #RRGGBBAA background, and is transparent without one', async () => {
    const tinted = await sut.composite(spec(10, 10, [], { background: '#11223380' }));
    expect((await decode(tinted.data)).at(3, 3)).toEqual([0x11, 0x22, 0x33, 0x80]);
    const clear = await sut.composite(spec(10, 10, [], { background: undefined }));
    expect((await decode(clear.data)).at(3, 3)).toEqual([0, 0, 0, 0]);
  });

  it('keeps a layer\'s own transparency', async () => {
    const half = await sharp({ create: { width: 10, height: 10, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0 } } }).png().toBuffer();
    const out = await decode((await sut.composite(spec(10, 10, [layer(half)]))).data);
    expect(out.at(5, 5)).toEqual(BASE);
  });

  it('draws layers in order, the first at the bottom, from any input format', async () => {
    const red = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#ff0000' } }).webp({ lossless: true }).toBuffer();
    const blue = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#0000ff' } }).gif().toBuffer();
    const out = await decode((await sut.composite(spec(30, 30, [layer(red), layer(blue, { position: { left: 5, top: 5 } })]))).data);
    expect(out.at(2, 2)).toEqual(RED);
    expect(out.at(7, 7)).toEqual([0, 0, 255, 255]);
  });

  it('encodes to the requested format, flattening a transparent canvas for jpeg after the blend', async () => {
    // difference over a transparent backdrop is the layer itself; flattened first it would invert.
    const grey = await flat(10, 10, [60, 60, 60]);
    const result = await sut.composite(
      spec(20, 20, [layer(grey, { blend: 'difference' })], { background: undefined, output: { format: 'jpeg', quality: 95, background: '#ffffff' } }),
    );
    expect(result).toMatchObject({ format: 'jpeg', contentType: 'image/jpeg', quality: 95 });
    const out = await decode(result.data);
    expect(Math.abs(out.at(5, 5)[0] - 60)).toBeLessThanOrEqual(3);
    expect(out.at(15, 15)[0]).toBeGreaterThan(250);
  });

  it('moves copies of the layers to the worker: the caller\'s buffers stay usable', async () => {
    const red = await flat(10, 10, [255, 0, 0]);
    const before = Buffer.from(red);
    await sut.composite(spec(10, 10, [layer(red), layer(red)]));
    expect(red.equals(before)).toBe(true);
  });

  it('keeps the order across the batches a large composite is drawn in', async () => {
    // A 2048x2048 canvas holds 64 MiB of overlays (four full-canvas layers) at a time, so the fifth
    // layer, the multiply, is drawn in a second batch over the rendered first.
    const big = createPool({ threads: 1, maxConcurrentOperations: 1 });
    try {
      const tile = (rgb: [number, number, number]) => flat(16, 16, rgb);
      const full = { box: { width: 2048, height: 2048 } };
      const result = await big.composite(
        spec(
          2048,
          2048,
          [
            layer(await tile([200, 200, 200]), full),
            layer(await tile([0, 255, 0]), { ...full, opacity: 0 }),
            layer(await tile([0, 255, 0]), { ...full, opacity: 0 }),
            layer(await tile([0, 0, 255]), { ...full, opacity: 0.5 }),
            layer(await tile([128, 128, 128]), { ...full, blend: 'multiply' }),
            layer(await tile([255, 0, 0]), { position: { left: 2038, top: 2038 } }),
          ],
          { background: '#000000', output: { format: 'png', effort: 1 } },
        ),
      );
      const out = await decode(result.data);
      // (200, 200, 200) half covered by blue = (100, 100, 227.5), then multiplied by 128/255.
      const expected = [100 * (128 / 255), 100 * (128 / 255), 227.5 * (128 / 255)];
      out.at(1000, 1000).slice(0, 3).forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(2));
      expect(out.at(2040, 2040)).toEqual(RED);
    } finally {
      await big.close();
    }
  });

  describe('errors name the layer', () => {
    it('refuses bytes that are no image, and empty bytes, before queueing', async () => {
      const red = await flat(10, 10, [255, 0, 0]);
      const unknown = await compositeError(spec(10, 10, [layer(red), layer(Buffer.from('not an image at all'))]));
      expect(unknown.kind).toBe('invalid_image');
      expect(unknown.message).toBe('layers[1]: expected image bytes (png, jpeg, webp, avif, gif, tiff, heif, svg, bmp), received 19 bytes of unknown data');
      const empty = await compositeError(spec(10, 10, [layer(new Uint8Array(0))]));
      expect(empty.message).toBe('layers[0]: expected non-empty image bytes, received 0 bytes');
    });

    it('refuses a truncated layer with its field', async () => {
      const red = await flat(10, 10, [255, 0, 0]);
      const photo = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#123456', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
        .jpeg()
        .toBuffer();
      const error = await compositeError(spec(10, 10, [layer(red), layer(red), layer(photo.subarray(0, photo.length / 2))]));
      expect(error.kind).toBe('invalid_image');
      expect(error.message).toMatch(/^layers\[2\]: truncated jpeg: expected the end-of-image marker/);
      expect(error.violations[0].field).toBe('layers[2]');
    });

    it('refuses a layer over the pixel limit from its header, before decoding any layer', async () => {
      const error = await compositeError(spec(10, 10, [layer(await flat(10, 10, [255, 0, 0])), layer(pngBomb(2000, 1000))]));
      expect(error.kind).toBe('resource_exhausted');
      expect(error.reason).toBe('PIXEL_LIMIT_EXCEEDED');
      expect(error.message).toBe('layers[1]: limit is 1000000 pixels, received 2000x1000 = 2000000 pixels');
    });

    it('refuses a box that would blow a layer up past the output pixel limit', async () => {
      const error = await compositeError(spec(10, 10, [layer(await flat(1, 100, [255, 0, 0]), { box: { width: 4000 } })]));
      expect(error.kind).toBe('resource_exhausted');
      expect(error.reason).toBe('PIXEL_LIMIT_EXCEEDED');
      expect(error.message).toBe('layers[0]: limit is 1000000 output pixels, received a planned output of 4000x400000 = 1600000000 pixels');
    });

    it('uses the field a layer names', async () => {
      const error = await compositeError(spec(10, 10, [layer(Buffer.from('nope'), { field: 'overlay' })]));
      expect(error.message).toMatch(/^overlay: /);
    });

    it('refuses a canvas over the limits even without the boundary checks', async () => {
      const error = await compositeError(spec(2000, 1000, []));
      expect(error.kind).toBe('resource_exhausted');
      expect(error.message).toBe('canvas: limit is 1000000 output pixels, received a planned output of 2000x1000 = 2000000 pixels');
    });
  });
});
