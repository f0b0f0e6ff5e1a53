import { create } from '@bufbuild/protobuf';
import { afterAll, describe, expect, it } from 'vitest';
import { FilterSchema, type Filter } from '../../gen/image/v1/operations_pb.js';
import { filterSteps } from '../../src/api/translate/filter-steps.js';
import type { OutputFormat } from '../../src/imaging/image-formats.js';
import { haveSharedImages, sharedImage } from '../support/shared-images.js';
import { createPool } from './images.js';
import {
  colourNoise,
  decode,
  distinct,
  flat,
  forEachPixel,
  laplacianEnergy,
  localContrast,
  lumaOf,
  lumaPlane,
  maxDifference,
  mean,
  pixelAt,
  pngOf,
  std,
  type Pixels,
} from './pixels.js';

/**
 * Every Filter, from the proto message through filterSteps to the worker pool and back, checked on the
 * output's pixels.
 */
const sut = createPool();
afterAll(() => sut.close());

type FilterInit = NonNullable<Parameters<typeof create<typeof FilterSchema>>[1]>['filterType'];

function filter(filterType: FilterInit): Filter {
  return create(FilterSchema, { filterType });
}

async function apply(input: Uint8Array, f: Filter, format: OutputFormat = 'png'): Promise<Pixels> {
  const result = await sut.run(input, { steps: filterSteps(f, 'filter'), output: { format } });
  return decode(result.data);
}

/** A photo scaled down to keep the tests quick (lossless from here on). */
async function photo(name: string, width = 256): Promise<Buffer> {
  const result = await sut.run(sharedImage(name), { steps: [{ op: 'resize', width, fit: 'inside' }], output: { format: 'png' } });
  return result.data;
}

/** Vertical edge: black on the left half, white on the right. */
const edge = (width = 32, height = 32) => pngOf(width, height, (x) => (x < width / 2 ? [0, 0, 0] : [255, 255, 255]));

describe('filters', () => {
  describe('gaussian_blur', () => {
    it('lowers high-frequency energy, more with a larger sigma', async () => {
      const input = await colourNoise(96, 64);
      const before = laplacianEnergy(await decode(input));
      const mild = laplacianEnergy(await apply(input, filter({ case: 'gaussianBlur', value: { sigma: 0.8 } })));
      const strong = laplacianEnergy(await apply(input, filter({ case: 'gaussianBlur', value: { sigma: 4 } })));
      expect(mild).toBeLessThan(before * 0.6);
      expect(strong).toBeLessThan(mild * 0.5);
    });

    it.skipIf(!haveSharedImages)('softens a real photo', async () => {
      const input = await photo('astronaut.png');
      const before = await decode(input);
      const after = await apply(input, filter({ case: 'gaussianBlur', value: { sigma: 2 } }));
      expect(laplacianEnergy(after)).toBeLessThan(laplacianEnergy(before) * 0.5);
      expect(Math.abs(mean(lumaPlane(after)) - mean(lumaPlane(before)))).toBeLessThan(2);
    });
  });

  describe('sharpen', () => {
    it('raises high-frequency energy with a sigma and in the fast mode', async () => {
      // Soft detail to sharpen: blurred noise.
      const soft = (await sut.run(await colourNoise(96, 64), { steps: [{ op: 'blur', sigma: 1.5 }], output: { format: 'png' } })).data;
      const before = laplacianEnergy(await decode(soft));
      const withSigma = laplacianEnergy(await apply(soft, filter({ case: 'sharpen', value: { sigma: 1.5, m1: 2, m2: 4 } })));
      const fast = laplacianEnergy(await apply(soft, filter({ case: 'sharpen', value: {} })));
      expect(withSigma).toBeGreaterThan(before * 1.5);
      expect(fast).toBeGreaterThan(before * 1.2);
    });

    it.skipIf(!haveSharedImages)('crisps a real photo', async () => {
      const input = await photo('chelsea.png');
      const after = await apply(input, filter({ case: 'sharpen', value: { sigma: 1 } }));
      expect(laplacianEnergy(after)).toBeGreaterThan(laplacianEnergy(await decode(input)) * 1.2);
    });
  });

  describe('unsharp_mask', () => {
    it('raises high-frequency energy, and a threshold above every difference changes nothing', async () => {
      const soft = (await sut.run(await colourNoise(96, 64), { steps: [{ op: 'blur', sigma: 1.5 }], output: { format: 'png' } })).data;
      const input = await decode(soft);
      const sharpened = await apply(soft, filter({ case: 'unsharpMask', value: { radius: 2, amount: 1.5 } }));
      expect(laplacianEnergy(sharpened)).toBeGreaterThan(laplacianEnergy(input) * 1.5);
      const untouched = await apply(soft, filter({ case: 'unsharpMask', value: { radius: 2, amount: 1.5, threshold: 255 } }));
      expect(maxDifference(untouched, input)).toBe(0);
    });

    it('overshoots on both sides of an edge by the amount', async () => {
      const input = await pngOf(32, 8, (x) => (x < 16 ? [64, 64, 64] : [192, 192, 192]));
      const out = await apply(input, filter({ case: 'unsharpMask', value: { radius: 1, amount: 1 } }));
      expect(pixelAt(out, 15, 4)[0]).toBeLessThan(64);
      expect(pixelAt(out, 16, 4)[0]).toBeGreaterThan(192);
      expect(pixelAt(out, 2, 4)[0]).toBe(64);
      expect(pixelAt(out, 29, 4)[0]).toBe(192);
    });

    it.skipIf(!haveSharedImages)('sharpens a real photo', async () => {
      const input = await photo('coffee.png');
      const after = await apply(input, filter({ case: 'unsharpMask', value: { radius: 1.5, amount: 1, threshold: 3 } }));
      expect(laplacianEnergy(after)).toBeGreaterThan(laplacianEnergy(await decode(input)) * 1.2);
    });
  });

  describe('median', () => {
    it('removes salt-and-pepper noise (default size 3)', async () => {
      let s = 7;
      const rand = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % 1000) / 1000;
      const input = await pngOf(64, 64, () => {
        const r = rand();
        return r < 0.03 ? [0, 0, 0] : r < 0.06 ? [255, 255, 255] : [128, 128, 128];
      });
      const noisy = (p: Pixels) => {
        let n = 0;
        forEachPixel(p, (px) => (n += px[0] !== 128 ? 1 : 0));
        return n;
      };
      const before = noisy(await decode(input));
      expect(before).toBeGreaterThan(150);
      const after = await apply(input, filter({ case: 'median', value: {} }));
      expect(noisy(after)).toBeLessThanOrEqual(before / 50);
    });
  });

  describe('grayscale', () => {
    it('leaves no chroma: r = g = b in every pixel, the Rec.709 luma', async () => {
      const out = await apply(await colourNoise(64, 48), filter({ case: 'grayscale', value: {} }));
      forEachPixel(out, (px) => {
        expect(px[1]).toBe(px[0]);
        expect(px[2]).toBe(px[0]);
      });
      const red = await apply(await flat(4, 4, [255, 0, 0]), filter({ case: 'grayscale', value: {} }));
      expect(pixelAt(red, 0, 0)).toEqual([54, 54, 54]);
    });

    it.skipIf(!haveSharedImages)('greys a real photo', async () => {
      const out = await apply(await photo('coffee.png'), filter({ case: 'grayscale', value: {} }));
      let coloured = 0;
      forEachPixel(out, (px) => (coloured += px[0] !== px[1] || px[1] !== px[2] ? 1 : 0));
      expect(coloured).toBe(0);
    });
  });

  describe('sepia', () => {
    it('gives r >= g >= b in every pixel at full intensity (the default)', async () => {
      const out = await apply(await colourNoise(64, 48), filter({ case: 'sepia', value: {} }));
      forEachPixel(out, (px) => {
        expect(px[0]).toBeGreaterThanOrEqual(px[1]);
        expect(px[1]).toBeGreaterThanOrEqual(px[2]);
      });
    });

    it('blends with the original by intensity', async () => {
      const input = await flat(4, 4, [40, 90, 200]);
      const half = pixelAt(await apply(input, filter({ case: 'sepia', value: { intensity: 0.5 } })), 0, 0);
      const full = pixelAt(await apply(input, filter({ case: 'sepia', value: { intensity: 1 } })), 0, 0);
      for (let c = 0; c < 3; c++) expect(Math.abs(half[c] - ([40, 90, 200][c] + full[c]) / 2)).toBeLessThanOrEqual(1);
    });
  });

  describe('invert', () => {
    it('maps 10 to 245, keeps alpha, and twice is the identity', async () => {
      const input = await pngOf(8, 8, (x) => [10, 100 + x, 250, 128]);
      const once = await apply(input, filter({ case: 'invert', value: {} }));
      expect(pixelAt(once, 0, 0)).toEqual([245, 155, 5, 128]);
      const twice = await sut.run(input, {
        steps: [...filterSteps(filter({ case: 'invert', value: {} }), 'filter'), ...filterSteps(filter({ case: 'invert', value: {} }), 'filter')],
        output: { format: 'png' },
      });
      expect(maxDifference(await decode(twice.data), await decode(input))).toBe(0);
    });
  });

  describe('brightness', () => {
    it('1.5 raises mean luminance, 0.5 lowers it, 1 keeps it', async () => {
      const input = await colourNoise(48, 32);
      const before = mean(lumaPlane(await decode(input)));
      expect(mean(lumaPlane(await apply(input, filter({ case: 'brightness', value: { factor: 1.5 } }))))).toBeGreaterThan(before + 20);
      expect(mean(lumaPlane(await apply(input, filter({ case: 'brightness', value: { factor: 0.5 } }))))).toBeLessThan(before - 20);
      expect(Math.abs(mean(lumaPlane(await apply(input, filter({ case: 'brightness', value: { factor: 1 } })))) - before)).toBeLessThan(1);
    });
  });

  describe('contrast', () => {
    it('2 raises the luminance spread, 0.5 lowers it, 0 is flat mid-grey', async () => {
      const input = await pngOf(64, 16, (x) => [96 + x, 96 + x, 96 + x]);
      const before = std(lumaPlane(await decode(input)));
      expect(std(lumaPlane(await apply(input, filter({ case: 'contrast', value: { factor: 2 } }))))).toBeGreaterThan(before * 1.9);
      expect(std(lumaPlane(await apply(input, filter({ case: 'contrast', value: { factor: 0.5 } }))))).toBeLessThan(before * 0.6);
      const flatOut = await apply(input, filter({ case: 'contrast', value: { factor: 0 } }));
      expect(distinct(flatOut, 0)).toEqual(new Set([128]));
    });
  });

  describe('saturation', () => {
    it('0 is grey (no channel more than 1 from the others), 2 raises chroma', async () => {
      const input = await colourNoise(48, 32);
      const grey = await apply(input, filter({ case: 'saturation', value: { factor: 0 } }));
      forEachPixel(grey, (px) => expect(Math.max(...px) - Math.min(...px)).toBeLessThanOrEqual(1));
      const spread = (p: Pixels) => {
        let sum = 0;
        forEachPixel(p, (px) => (sum += Math.max(...px) - Math.min(...px)));
        return sum;
      };
      const muted = await flat(8, 8, [150, 110, 100]);
      expect(spread(await apply(muted, filter({ case: 'saturation', value: { factor: 2 } })))).toBeGreaterThan(spread(await decode(muted)) * 1.5);
    });
  });

  describe('hue_rotate', () => {
    it('120 degrees turns a red patch green, 240 blue', async () => {
      const red = await flat(8, 8, [220, 20, 20]);
      const [r1, g1, b1] = pixelAt(await apply(red, filter({ case: 'hueRotate', value: { degrees: 120 } })), 4, 4);
      expect(g1).toBeGreaterThan(r1 + 50);
      expect(g1).toBeGreaterThan(b1 + 50);
      const [r2, g2, b2] = pixelAt(await apply(red, filter({ case: 'hueRotate', value: { degrees: -120 } })), 4, 4);
      expect(b2).toBeGreaterThan(r2 + 50);
      expect(b2).toBeGreaterThan(g2 + 50);
    });
  });

  describe('gamma', () => {
    it('brightens midtones and keeps 0 and 255 (default 2.2)', async () => {
      const input = await pngOf(3, 1, (x) => [[0, 0, 0], [128, 128, 128], [255, 255, 255]][x]);
      const out = await apply(input, filter({ case: 'gamma', value: {} }));
      expect(pixelAt(out, 0, 0)).toEqual([0, 0, 0]);
      // libvips' gamma table truncates: within one of the exact value.
      expect(Math.abs(pixelAt(out, 1, 0)[0] - 255 * (128 / 255) ** (1 / 2.2))).toBeLessThan(1);
      expect(pixelAt(out, 2, 0)).toEqual([255, 255, 255]);
      const mild = await apply(input, filter({ case: 'gamma', value: { gamma: 1.5 } }));
      expect(Math.abs(pixelAt(mild, 1, 0)[0] - 255 * (128 / 255) ** (1 / 1.5))).toBeLessThan(1);
    });
  });

  describe('tint', () => {
    it('colours a grey image towards the tint hue, keeping its lightness', async () => {
      const input = await pngOf(64, 4, (x) => [64 + x * 2, 64 + x * 2, 64 + x * 2]);
      const out = await apply(input, filter({ case: 'tint', value: { color: '#3060ff' } }));
      forEachPixel(out, (px) => {
        expect(px[2]).toBeGreaterThan(px[0] + 10);
        expect(px[2]).toBeGreaterThan(px[1]);
      });
      // Lightness is LAB L*; Rec.709 luma of a saturated blue is lower, so this is only roughly kept.
      expect(Math.abs(mean(lumaPlane(out)) - mean(lumaPlane(await decode(input))))).toBeLessThan(16);
    });

    it('tints a one-channel greyscale PNG too', async () => {
      const grey = await (await import('sharp')).default(await flat(8, 8, [128, 128, 128])).toColourspace('b-w').png().toBuffer();
      const [r, g, b] = pixelAt(await apply(grey, filter({ case: 'tint', value: { color: '#ff0000' } })), 0, 0);
      expect(r).toBeGreaterThan(g + 30);
      expect(r).toBeGreaterThan(b + 30);
    });
  });

  describe('vignette', () => {
    it('darkens the corners more than the centre', async () => {
      const input = await flat(101, 61, [200, 200, 200]);
      const out = await apply(input, filter({ case: 'vignette', value: { strength: 0.8, radius: 0.4 } }));
      expect(pixelAt(out, 50, 30)).toEqual([200, 200, 200]);
      for (const [x, y] of [[0, 0], [100, 0], [0, 60], [100, 60]]) expect(pixelAt(out, x, y)[0]).toBe(40);
      expect(pixelAt(out, 100, 30)[0]).toBeLessThan(200);
      expect(pixelAt(out, 100, 30)[0]).toBeGreaterThan(40);
    });
  });

  describe('pixelate', () => {
    it('gives constant blocks, smaller ones at the right and bottom edges', async () => {
      const out = await apply(await colourNoise(50, 35), filter({ case: 'pixelate', value: { blockSize: 8 } }));
      expect([out.width, out.height]).toEqual([50, 35]);
      forEachPixel(out, (px, x, y) => expect([...px]).toEqual(pixelAt(out, x - (x % 8), y - (y % 8))));
      expect(distinct(out, 0).size).toBeGreaterThan(10);
    });
  });

  describe('posterize', () => {
    it('leaves at most N levels per channel', async () => {
      const out = await apply(await colourNoise(64, 64), filter({ case: 'posterize', value: { levels: 4 } }));
      for (let c = 0; c < 3; c++) {
        expect(distinct(out, c).size).toBeLessThanOrEqual(4);
        expect([...distinct(out, c)].every((v) => [0, 85, 170, 255].includes(v))).toBe(true);
      }
    });
  });

  describe('threshold', () => {
    it('gives only 0 and 255, by luma at 128 by default, or per channel', async () => {
      const input = await colourNoise(64, 48);
      const out = await apply(input, filter({ case: 'threshold', value: {} }));
      const source = await decode(input);
      forEachPixel(out, (px, x, y) => {
        expect(px[0] === 0 || px[0] === 255).toBe(true);
        expect(px[1]).toBe(px[0]);
        expect(px[2]).toBe(px[0]);
        const l = lumaOf(pixelAt(source, x, y));
        if (Math.abs(l - 128) > 0.5) expect(px[0]).toBe(l >= 128 ? 255 : 0);
      });
      const perChannel = await apply(input, filter({ case: 'threshold', value: { level: 100, perChannel: true } }));
      forEachPixel(perChannel, (px, x, y) => {
        const src = pixelAt(source, x, y);
        for (let c = 0; c < 3; c++) expect(px[c]).toBe(src[c] >= 100 ? 255 : 0);
      });
    });
  });

  describe('emboss', () => {
    it('keeps a flat image flat and responds strongly on an edge', async () => {
      const flatOut = await apply(await flat(16, 16, [120, 80, 40]), filter({ case: 'emboss', value: {} }));
      forEachPixel(flatOut, (px) => expect([...px]).toEqual([120, 80, 40]));
      const out = await apply(await edge(), filter({ case: 'emboss', value: { strength: 2 } }));
      // The relief: the dark side of the edge darkens, the bright side stays clipped white.
      expect(pixelAt(out, 16, 16)[0]).toBe(255);
      const response = Math.abs(pixelAt(out, 15, 16)[0] - 0) + Math.abs(pixelAt(out, 16, 16)[0] - 255);
      expect(pixelAt(out, 15, 16)[0]).toBeGreaterThan(200);
      expect(response).toBeGreaterThan(200);
      expect(pixelAt(out, 4, 16)[0]).toBe(0);
    });
  });

  describe('edge_detect', () => {
    it('gives black on a flat image and a strong response on an edge, keeping alpha', async () => {
      const flatOut = await apply(await flat(16, 16, [200, 120, 30]), filter({ case: 'edgeDetect', value: {} }));
      forEachPixel(flatOut, (px) => expect(Math.max(...px)).toBe(0));
      const out = await apply(await edge(), filter({ case: 'edgeDetect', value: {} }));
      expect(pixelAt(out, 16, 16)[0]).toBe(255);
      expect(pixelAt(out, 4, 16)[0]).toBe(0);
      expect(pixelAt(out, 28, 16)[0]).toBe(0);
      const withAlpha = await apply(await pngOf(16, 16, () => [90, 90, 90, 255]), filter({ case: 'edgeDetect', value: {} }));
      forEachPixel(withAlpha, (px) => expect(px[3]).toBe(255));
    });
  });

  describe('normalize', () => {
    it('stretches a low-contrast image to nearly 0..255', async () => {
      const input = await pngOf(100, 20, (x) => [100 + x / 2, 100 + x / 2, 100 + x / 2]);
      const out = lumaPlane(await apply(input, filter({ case: 'normalize', value: {} })));
      // sharp stretches LAB L* between whole-number percentiles: close to the ends, not exactly on them.
      expect(Math.min(...out)).toBeLessThanOrEqual(10);
      expect(Math.max(...out)).toBeGreaterThanOrEqual(245);
    });

    it.skipIf(!haveSharedImages)('widens the luminance range of a real photo', async () => {
      const dim = (await sut.run(await photo('chelsea.png'), { steps: [{ op: 'linear', a: [0.4], b: [60] }], output: { format: 'png' } })).data;
      const out = await apply(dim, filter({ case: 'normalize', value: { lower: 2, upper: 98 } }));
      expect(std(lumaPlane(out))).toBeGreaterThan(std(lumaPlane(await decode(dim))) * 1.8);
    });
  });

  describe('clahe', () => {
    it('raises local contrast of a low-contrast image and keeps hues', async () => {
      let s = 3;
      const rand = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) % 21) - 10;
      const input = await pngOf(128, 128, (x, y) => {
        const v = 110 + ((x >> 5) + (y >> 5)) * 4 + rand();
        return [v + 20, v, v - 20];
      });
      const before = await decode(input);
      const out = await apply(input, filter({ case: 'clahe', value: { width: 32, height: 32, maxSlope: 4 } }));
      expect(localContrast(out)).toBeGreaterThan(localContrast(before) * 1.5);
      forEachPixel(out, (px) => expect(px[0]).toBeGreaterThanOrEqual(px[2]));
    });

    it.skipIf(!haveSharedImages)('brings out detail in a real photo', async () => {
      const input = await photo('astronaut.png');
      const out = await apply(input, filter({ case: 'clahe', value: {} }));
      expect(localContrast(out)).toBeGreaterThan(localContrast(await decode(input)) * 1.1);
    });
  });
});
