import { create } from '@bufbuild/protobuf';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { ColorTransformationSchema, type ColorTransformation } from '../../gen/image/v1/operations_pb.js';
import { colorTransformationSteps } from '../../src/api/translate/color-transformation-steps.js';
import type { OutputFormat } from '../../src/imaging/image-formats.js';
import { haveSharedImages, sharedImage } from '../support/shared-images.js';
import { createPool } from './images.js';
import { channelMean, colourNoise, decode, distinct, flat, forEachPixel, lumaPlane, maxDifference, mean, pixelAt, pngOf, std, type Pixels } from './pixels.js';

/**
 * Every ColorTransformation kind, from the proto message through colorTransformationSteps to the worker
 * pool, checked on the output's pixels; and lists of them, which run in one worker task.
 */
const sut = createPool();
afterAll(() => sut.close());

type KindInit = NonNullable<Parameters<typeof create<typeof ColorTransformationSchema>>[1]>['kind'];

function t(kind: KindInit): ColorTransformation {
  return create(ColorTransformationSchema, { kind });
}

async function apply(input: Uint8Array, list: ColorTransformation[], format: OutputFormat = 'png'): Promise<Pixels> {
  const result = await sut.run(input, { steps: colorTransformationSteps(list, 'transformations'), output: { format } });
  return decode(result.data);
}

/** A `.cube` file whose entry at (r, g, b) (0-1 each) is f(r, g, b). */
function cube(size: number, f: (r: number, g: number, b: number) => number[], header = ''): string {
  const rows: string[] = [];
  for (let b = 0; b < size; b++) {
    for (let g = 0; g < size; g++) {
      for (let r = 0; r < size; r++) rows.push(f(r / (size - 1), g / (size - 1), b / (size - 1)).map((v) => v.toFixed(6)).join(' '));
    }
  }
  return `# test LUT\nTITLE "test"\n${header}LUT_3D_SIZE ${size}\n\n${rows.join('\n')}\n`;
}

describe('colour transformations', () => {
  it('grayscale: r = g = b everywhere', async () => {
    const out = await apply(await colourNoise(48, 32), [t({ case: 'grayscale', value: {} })]);
    forEachPixel(out, (px) => expect(px[0] === px[1] && px[1] === px[2]).toBe(true));
  });

  it('sepia: r >= g >= b everywhere', async () => {
    const out = await apply(await colourNoise(48, 32), [t({ case: 'sepia', value: {} })]);
    forEachPixel(out, (px) => expect(px[0] >= px[1] && px[1] >= px[2]).toBe(true));
  });

  it('invert: 10 becomes 245, and invert twice is the identity', async () => {
    const input = await colourNoise(32, 32);
    expect(pixelAt(await apply(await flat(2, 2, [10, 10, 10]), [t({ case: 'invert', value: {} })]), 0, 0)).toEqual([245, 245, 245]);
    const twice = await apply(input, [t({ case: 'invert', value: {} }), t({ case: 'invert', value: {} })]);
    expect(maxDifference(twice, await decode(input))).toBe(0);
  });

  it('brightness: 1.5 raises mean luminance', async () => {
    const input = await colourNoise(48, 32);
    const out = await apply(input, [t({ case: 'brightness', value: { factor: 1.5 } })]);
    expect(mean(lumaPlane(out))).toBeGreaterThan(mean(lumaPlane(await decode(input))) + 20);
  });

  it('contrast: 1.8 raises the luminance spread', async () => {
    const input = await pngOf(64, 8, (x) => [100 + x, 100 + x, 100 + x]);
    const out = await apply(input, [t({ case: 'contrast', value: { factor: 1.8 } })]);
    expect(std(lumaPlane(out))).toBeGreaterThan(std(lumaPlane(await decode(input))) * 1.7);
  });

  it('saturation: 0 is grey', async () => {
    const out = await apply(await colourNoise(48, 32), [t({ case: 'saturation', value: { factor: 0 } })]);
    forEachPixel(out, (px) => expect(Math.max(...px) - Math.min(...px)).toBeLessThanOrEqual(1));
  });

  it('hue_shift: 120 degrees turns red green', async () => {
    const [r, g, b] = pixelAt(await apply(await flat(4, 4, [230, 30, 30]), [t({ case: 'hueShift', value: { degrees: 120 } })]), 0, 0);
    expect(g).toBeGreaterThan(r + 50);
    expect(g).toBeGreaterThan(b + 50);
  });

  it('gamma: changes midtones, not 0 or 255', async () => {
    const input = await pngOf(3, 1, (x) => [[0, 0, 0], [100, 100, 100], [255, 255, 255]][x]);
    const out = await apply(input, [t({ case: 'gamma', value: { gamma: 2 } })]);
    expect(pixelAt(out, 0, 0)[0]).toBe(0);
    // libvips' gamma table truncates: within one of the exact value.
    expect(Math.abs(pixelAt(out, 1, 0)[0] - 255 * (100 / 255) ** 0.5)).toBeLessThan(1);
    expect(pixelAt(out, 2, 0)[0]).toBe(255);
  });

  it('tint: a grey image takes the tint hue', async () => {
    const [r, g, b] = pixelAt(await apply(await flat(4, 4, [128, 128, 128]), [t({ case: 'tint', value: { color: '#20c040' } })]), 0, 0);
    expect(g).toBeGreaterThan(r + 20);
    expect(g).toBeGreaterThan(b + 20);
  });

  it('temperature: warm raises the R/B ratio, cool lowers it, 0 changes nothing', async () => {
    const input = await colourNoise(32, 32);
    const ratio = (p: Pixels) => channelMean(p, 0) / channelMean(p, 2);
    const before = ratio(await decode(input));
    expect(ratio(await apply(input, [t({ case: 'temperature', value: { amount: 0.8 } })]))).toBeGreaterThan(before * 1.3);
    expect(ratio(await apply(input, [t({ case: 'temperature', value: { amount: -0.8 } })]))).toBeLessThan(before / 1.3);
    expect(maxDifference(await apply(input, [t({ case: 'temperature', value: {} })]), await decode(input))).toBe(0);
  });

  it('duotone: black becomes the shadow colour, white the highlight, grey in between', async () => {
    const input = await pngOf(3, 1, (x) => [[0, 0, 0], [255, 255, 255], [128, 128, 128]][x]);
    const out = await apply(input, [t({ case: 'duotone', value: { shadowColor: '#102040', highlightColor: '#F0E0A0' } })]);
    expect(pixelAt(out, 0, 0)).toEqual([0x10, 0x20, 0x40]);
    expect(pixelAt(out, 1, 0)).toEqual([0xf0, 0xe0, 0xa0]);
    expect(pixelAt(out, 2, 0)).toEqual([0x10, 0x20, 0x40].map((s, c) => Math.round(s + (([0xf0, 0xe0, 0xa0][c] - s) * 128) / 255)));
  });

  it('posterize: at most N levels per channel', async () => {
    const out = await apply(await colourNoise(64, 64), [t({ case: 'posterize', value: { levels: 3 } })]);
    for (let c = 0; c < 3; c++) expect([...distinct(out, c)].sort((a, b) => a - b)).toEqual([0, 128, 255].filter((v) => distinct(out, c).has(v)));
    for (let c = 0; c < 3; c++) expect(distinct(out, c).size).toBeLessThanOrEqual(3);
  });

  it('levels: clips at the black and white points, stretches between, gamma lifts midtones', async () => {
    const input = await pngOf(256, 1, (x) => [x, x, x]);
    const out = await apply(input, [t({ case: 'levels', value: { blackPoint: 50, whitePoint: 200 } })]);
    for (let x = 0; x <= 50; x++) expect(pixelAt(out, x, 0)[0]).toBe(0);
    for (let x = 200; x < 256; x++) expect(pixelAt(out, x, 0)[0]).toBe(255);
    expect(pixelAt(out, 125, 0)[0]).toBe(128);
    const lifted = await apply(input, [t({ case: 'levels', value: { blackPoint: 50, whitePoint: 200, gamma: 2 } })]);
    expect(pixelAt(lifted, 125, 0)[0]).toBe(Math.round(255 * 0.5 ** 0.5));
    expect(pixelAt(lifted, 50, 0)[0]).toBe(0);
    expect(pixelAt(lifted, 200, 0)[0]).toBe(255);
  });

  it('normalize: stretches a low-contrast image to nearly 0..255', async () => {
    const out = lumaPlane(await apply(await pngOf(100, 10, (x) => [90 + x / 3, 90 + x / 3, 90 + x / 3]), [t({ case: 'normalize', value: {} })]));
    expect(Math.min(...out)).toBeLessThanOrEqual(10);
    expect(Math.max(...out)).toBeGreaterThanOrEqual(245);
  });

  it('channel_mix: swapping the R and B rows swaps the channels', async () => {
    const input = await colourNoise(32, 16);
    const out = await apply(input, [t({ case: 'channelMix', value: { matrix: [0, 0, 1, 0, 1, 0, 1, 0, 0] } })]);
    const source = await decode(input);
    forEachPixel(out, (px, x, y) => {
      const [r, g, b] = pixelAt(source, x, y);
      expect([...px]).toEqual([b, g, r]);
    });
  });

  describe('lut', () => {
    it('a LUT that maps red to blue does so', async () => {
      const swap = cube(9, (r, g, b) => [b, g, r]);
      const out = await apply(await flat(4, 4, [255, 0, 0]), [t({ case: 'lut', value: { cube: swap } })]);
      expect(pixelAt(out, 0, 0)).toEqual([0, 0, 255]);
      const mixed = await apply(await pngOf(32, 1, (x) => [x * 8, 100, 255 - x * 8]), [t({ case: 'lut', value: { cube: swap } })]);
      for (let x = 0; x < 32; x++) {
        const [r, g, b] = pixelAt(mixed, x, 0);
        expect(Math.abs(r - (255 - x * 8))).toBeLessThanOrEqual(1);
        expect(Math.abs(g - 100)).toBeLessThanOrEqual(1);
        expect(Math.abs(b - x * 8)).toBeLessThanOrEqual(1);
      }
    });

    it('an identity LUT is (nearly) the identity, and keeps alpha', async () => {
      const input = await pngOf(40, 40, (x, y) => [(x * 37 + y) % 256, (y * 53 + x) % 256, (x * y) % 256, 200]);
      const out = await apply(input, [t({ case: 'lut', value: { cube: cube(17, (r, g, b) => [r, g, b]) } })]);
      expect(maxDifference(out, await decode(input))).toBeLessThanOrEqual(1);
    });

    it('interpolates between entries (a 2-point LUT of a curve is linear in between)', async () => {
      const darken = cube(2, (r, g, b) => [r * 0.5, g * 0.5, b * 0.5]);
      const out = await apply(await flat(2, 2, [200, 100, 50]), [t({ case: 'lut', value: { cube: darken } })]);
      expect(pixelAt(out, 0, 0)).toEqual([100, 50, 25]);
    });

    it('scales input by DOMAIN_MIN/MAX', async () => {
      // Domain 0..0.5: input 0.5 and above is the top of the table.
      const identity = cube(5, (r, g, b) => [r, g, b], 'DOMAIN_MIN 0 0 0\nDOMAIN_MAX 0.5 0.5 0.5\n');
      const out = await apply(await pngOf(3, 1, (x) => [[64, 64, 64], [128, 128, 128], [250, 250, 250]][x]), [t({ case: 'lut', value: { cube: identity } })]);
      expect(Math.abs(pixelAt(out, 0, 0)[0] - 128)).toBeLessThanOrEqual(1);
      expect(pixelAt(out, 1, 0)[0]).toBe(255);
      expect(pixelAt(out, 2, 0)[0]).toBe(255);
    });

    it.skipIf(!haveSharedImages)('grades a real photo', async () => {
      const input = (await sut.run(sharedImage('coffee.png'), { steps: [{ op: 'resize', width: 200, fit: 'inside' }], output: { format: 'png' } })).data;
      const warm = cube(17, (r, g, b) => [Math.min(1, r * 1.1), g, b * 0.85]);
      const out = await apply(input, [t({ case: 'lut', value: { cube: warm } })]);
      const before = await decode(input);
      expect(channelMean(out, 0)).toBeGreaterThan(channelMean(before, 0));
      expect(channelMean(out, 2)).toBeLessThan(channelMean(before, 2) * 0.9);
    });
  });

  describe('lists', () => {
    it('applies each transformation to the result of the one before, in one request', async () => {
      // grayscale then tint: the tint must see a grey image, not be undone by a greyscale after it.
      const [r, g, b] = pixelAt(await apply(await flat(4, 4, [40, 200, 40]), [t({ case: 'grayscale', value: {} }), t({ case: 'tint', value: { color: '#ff2000' } })]), 0, 0);
      expect(r).toBeGreaterThan(g + 20);
      expect(r).toBeGreaterThan(b + 20);
    });

    it('gives the pixels of the same transformations run one request at a time', async () => {
      const input = await colourNoise(48, 32, 5);
      const lists: ColorTransformation[][] = [
        [t({ case: 'sepia', value: { intensity: 0.7 } }), t({ case: 'gamma', value: { gamma: 1.6 } })],
        [t({ case: 'brightness', value: { factor: 1.2 } }), t({ case: 'saturation', value: { factor: 0.5 } })],
        [t({ case: 'contrast', value: { factor: 1.3 } }), t({ case: 'hueShift', value: { degrees: 40 } }), t({ case: 'invert', value: {} })],
        [t({ case: 'levels', value: { blackPoint: 20, whitePoint: 230 } }), t({ case: 'posterize', value: { levels: 8 } }), t({ case: 'channelMix', value: { matrix: [0.5, 0.5, 0, 0, 1, 0, 0, 0, 1] } })],
        [t({ case: 'invert', value: {} }), t({ case: 'normalize', value: {} }), t({ case: 'duotone', value: { shadowColor: '#000033', highlightColor: '#ffee88' } })],
      ];
      for (const list of lists) {
        const together = await apply(input, list);
        let oneByOne: Uint8Array = input;
        for (const item of list) {
          oneByOne = (await sut.run(oneByOne, { steps: colorTransformationSteps([item], 'transformations'), output: { format: 'png' } })).data;
        }
        expect(maxDifference(together, await decode(oneByOne))).toBeLessThanOrEqual(1);
      }
    });

    it('keeps alpha through every kind', async () => {
      const input = await pngOf(16, 16, (x, y) => [x * 16, y * 16, 128, (x * 16 + y) % 256]);
      const all = colorTransformationSteps(
        [
          t({ case: 'grayscale', value: {} }),
          t({ case: 'sepia', value: {} }),
          t({ case: 'invert', value: {} }),
          t({ case: 'brightness', value: { factor: 1.1 } }),
          t({ case: 'contrast', value: { factor: 1.1 } }),
          t({ case: 'saturation', value: { factor: 1.1 } }),
          t({ case: 'hueShift', value: { degrees: 10 } }),
          t({ case: 'gamma', value: {} }),
          t({ case: 'tint', value: { color: '#808000' } }),
          t({ case: 'temperature', value: { amount: 0.2 } }),
          t({ case: 'duotone', value: { shadowColor: '#000000', highlightColor: '#ffffff' } }),
          t({ case: 'posterize', value: { levels: 16 } }),
          t({ case: 'levels', value: { blackPoint: 5, whitePoint: 250 } }),
          t({ case: 'normalize', value: {} }),
          t({ case: 'channelMix', value: { matrix: [1, 0, 0, 0, 1, 0, 0, 0, 1] } }),
          t({ case: 'lut', value: { cube: cube(3, (r, g, b) => [r, g, b]) } }),
        ],
        'transformations',
      );
      const out = await decode((await sut.run(input, { steps: all, output: { format: 'png' } })).data);
      const source = await decode(input);
      expect(out.channels).toBe(4);
      forEachPixel(out, (px, x, y) => expect(px[3]).toBe(pixelAt(source, x, y)[3]));
    });

    it('works on one- and two-channel greyscale inputs, keeping their alpha', async () => {
      const grey = await sharp(await pngOf(16, 1, (x) => [x * 16, x * 16, x * 16])).toColourspace('b-w').png().toBuffer();
      const greyAlpha = await sharp(await pngOf(16, 1, (x) => [x * 16, x * 16, x * 16, 255 - x])).toColourspace('b-w').png().toBuffer();
      expect((await sharp(grey).metadata()).channels).toBe(1);
      expect((await sharp(greyAlpha).metadata()).channels).toBe(2);
      const list = [t({ case: 'duotone', value: { shadowColor: '#000000', highlightColor: '#ff0000' } }), t({ case: 'posterize', value: { levels: 2 } })];
      const out = await apply(grey, list);
      expect(pixelAt(out, 15, 0).slice(0, 3)).toEqual([255, 0, 0]);
      expect(pixelAt(out, 0, 0).slice(0, 3)).toEqual([0, 0, 0]);
      const withAlpha = await apply(greyAlpha, list);
      expect(withAlpha.channels).toBe(4);
      expect(pixelAt(withAlpha, 15, 0)).toEqual([255, 0, 0, 240]);
    });

    it('flattens jpeg output onto white after the transformations, not before', async () => {
      const transparent = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
      const out = await apply(transparent, [t({ case: 'invert', value: {} })], 'jpeg');
      forEachPixel(out, (px) => expect(Math.min(...px)).toBeGreaterThan(245));
    });
  });
});
