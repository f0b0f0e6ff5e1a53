import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { extractDominant, extractPalettes, PALETTE_MAX_SIDE, type ExtractedColor } from '../../src/color/extract-palettes.js';
import { HARMONY_HUES, type HarmonyName } from '../../src/color/harmonies.js';
import { distanceSquared, oklabToOklch, srgbToOklab, type Vec3 } from '../../src/color/oklab.js';
import { EXTRACTABLE_TYPES, HARMONY_TYPES } from '../../src/color/palette-types.js';
import { MIN_DISTINCT } from '../../src/color/swatch.js';
import type { PixelSource } from '../../src/color/color-histogram.js';
import type { PaletteTypeName } from '../../src/domain/palette-record.js';
import { SHARED_IMAGES, haveSharedImages } from '../support/shared-images.js';
import { bands, noise, rainbow, solid } from './palette-test-images.js';

const lch = (c: ExtractedColor): Vec3 => oklabToOklch(...srgbToOklab(...c.rgb));
/** Signed hue difference b - a in degrees, -180 to 180. */
const hueDiff = (a: number, b: number) => ((((b - a) % 360) + 540) % 360) - 180;
// Hue of a colour rounded to 8-bit sRGB is only this exact at this chroma or more (rounding moves OKLab
// by up to ~0.003; at chroma 0.04 that turns the hue by up to ~4 degrees).
const HUE_TOLERANCE = 4;
const HUE_MIN_CHROMA = 0.04;

function expectDistinctValidColors(colors: ExtractedColor[], n: number, what: string): void {
  expect(colors, what).toHaveLength(n);
  for (const c of colors) {
    expect(c.rgb.every((v) => Number.isInteger(v) && v >= 0 && v <= 255), what).toBe(true);
    expect(c.proportion, what).toBeGreaterThanOrEqual(0);
    expect(c.proportion, what).toBeLessThanOrEqual(1);
  }
  const labs = colors.map((c) => srgbToOklab(...c.rgb));
  for (let i = 0; i < labs.length; i++) {
    for (let j = i + 1; j < labs.length; j++) {
      expect(Math.sqrt(distanceSquared(labs[i], labs[j])), `${what}: colours ${i} and ${j} are too close`).toBeGreaterThanOrEqual(MIN_DISTINCT - 1e-9);
    }
  }
}

const IMAGES: [string, PixelSource][] = [
  ['three bands', bands([[[200, 30, 40], 0.5], [[30, 160, 60], 0.3], [[40, 60, 200], 0.2]])],
  ['solid grey', solid(128, 128, 128)],
  ['solid black', solid(0, 0, 0)],
  ['solid white', solid(255, 255, 255)],
  ['solid saturated blue', solid(0, 0, 255)],
  ['rainbow', rainbow()],
  ['noise', noise()],
];
const COUNTS = [1, 2, 3, 5, 8, 12, 16];

describe('extractPalettes: every type, every count, exactly that many distinct valid colours', () => {
  it.each(IMAGES)('%s', (name, pixels) => {
    for (const n of COUNTS) {
      const palettes = extractPalettes(pixels, { numColors: n, types: EXTRACTABLE_TYPES });
      expect(palettes).toHaveLength(EXTRACTABLE_TYPES.length);
      palettes.forEach((p, i) => expectDistinctValidColors(p, n, `${name}, ${EXTRACTABLE_TYPES[i]}, n=${n}`));
    }
  });

  it('gives the same palettes whether types are asked together or alone (one extraction, same result)', () => {
    const pixels = rainbow();
    const together = extractPalettes(pixels, { numColors: 6, types: EXTRACTABLE_TYPES });
    EXTRACTABLE_TYPES.forEach((type, i) => expect(extractPalettes(pixels, { numColors: 6, types: [type] })[0]).toEqual(together[i]));
  });

  it('refuses a count outside 1 to 16 and the theme type', () => {
    expect(() => extractPalettes(rainbow(), { numColors: 0, types: ['dominant'] })).toThrow(/numColors: expected 1 to 16, received 0/);
    expect(() => extractPalettes(rainbow(), { numColors: 17, types: ['dominant'] })).toThrow(RangeError);
    expect(() => extractPalettes(rainbow(), { numColors: 5, types: ['theme'] })).toThrow(/theme is not extracted/);
  });
});

describe('dominant', () => {
  it('finds three known colour blocks exactly, with their shares, most common first', () => {
    const palette = extractDominant(bands([[[200, 30, 40], 0.5], [[30, 160, 60], 0.3], [[40, 60, 200], 0.2]]), 3);
    expect(palette.map((c) => c.rgb)).toEqual([[200, 30, 40], [30, 160, 60], [40, 60, 200]]);
    expect(palette.map((c) => c.proportion)).toEqual([0.5, 0.3, 0.2]);
  });

  it('fills up with share-0 colours when the image has fewer colours than asked', () => {
    const palette = extractDominant(bands([[[200, 30, 40], 0.6], [[30, 160, 60], 0.4]]), 5);
    expect(palette.slice(0, 2).map((c) => [c.rgb, c.proportion])).toEqual([[[200, 30, 40], 0.6], [[30, 160, 60], 0.4]]);
    expect(palette.slice(2).map((c) => c.proportion)).toEqual([0, 0, 0]);
  });

  it('ignores transparent pixels', () => {
    const palette = extractDominant(bands([[[255, 0, 0, 0], 0.7], [[20, 90, 200, 255], 0.3]]), 1);
    expect(palette).toEqual([{ rgb: [20, 90, 200], proportion: 1 }]);
  });

  it('uses the hidden colours of an image transparent everywhere, rather than nothing', () => {
    expect(extractDominant(bands([[[10, 200, 10, 0], 1]]), 1)).toEqual([{ rgb: [10, 200, 10], proportion: 1 }]);
  });

  it('has shares that sum to 1', () => {
    for (const n of [2, 5, 16]) {
      const sum = extractDominant(noise(), n).reduce((s, c) => s + c.proportion, 0);
      expect(sum).toBeCloseTo(1, 9);
    }
  });
});

describe('vibrant, muted, dark, light, pastel: every colour lies in the type’s region of OKLCh', () => {
  // The regions of src/color/palette-roles.ts, widened by 0.01 for rounding to 8-bit sRGB.
  const REGIONS: Record<string, { L: [number, number]; C: [number, number] }> = {
    vibrant: { L: [0.44, 0.86], C: [0.1, 1] },
    muted: { L: [0.34, 0.76], C: [0.01, 0.09] },
    dark: { L: [0.11, 0.41], C: [0, 1] },
    light: { L: [0.79, 0.98], C: [0, 1] },
    pastel: { L: [0.79, 0.94], C: [0.03, 0.12] },
  };
  it.each(Object.entries(REGIONS))('%s', (type, region) => {
    for (const [name, pixels] of IMAGES) {
      for (const n of COUNTS) {
        const [palette] = extractPalettes(pixels, { numColors: n, types: [type as PaletteTypeName] });
        for (const c of palette) {
          const [L, C] = lch(c);
          expect(L, `${name} n=${n} ${c.rgb.join(',')}`).toBeGreaterThanOrEqual(region.L[0]);
          expect(L, `${name} n=${n} ${c.rgb.join(',')}`).toBeLessThanOrEqual(region.L[1]);
          expect(C, `${name} n=${n} ${c.rgb.join(',')}`).toBeGreaterThanOrEqual(region.C[0]);
          expect(C, `${name} n=${n} ${c.rgb.join(',')}`).toBeLessThanOrEqual(region.C[1]);
        }
      }
    }
  });

  it('picks the image’s own colours when they fit: vibrant from three vivid bands are those bands', () => {
    const [vibrant] = extractPalettes(bands([[[200, 30, 40], 0.5], [[30, 160, 60], 0.3], [[40, 90, 230], 0.2]]), { numColors: 3, types: ['vibrant'] });
    expect(vibrant.map((c) => c.rgb)).toEqual([[200, 30, 40], [30, 160, 60], [40, 90, 230]]);
    expect(vibrant.map((c) => c.proportion)).toEqual([0.5, 0.3, 0.2]);
  });
});

describe('harmonies keep the hue relations they promise, measured in OKLCh', () => {
  const chromatic: [string, PixelSource][] = [
    ['three bands', IMAGES[0][1]],
    ['saturated blue', IMAGES[4][1]],
    ['rainbow', IMAGES[5][1]],
    ['noise', IMAGES[6][1]],
    ...[20, 75, 140, 200, 260, 320].map((h): [string, PixelSource] => {
      const [r, g, b] = hueSample(h);
      return [`solid, hue ${h}`, solid(r, g, b)];
    }),
  ];

  it.each(HARMONY_TYPES.filter((t) => t !== 'shades'))('%s: colour i has the base hue plus offset i; every colour sits on one of the hues', (harmony) => {
    const offsets = HARMONY_HUES[harmony as HarmonyName];
    for (const [name, pixels] of chromatic) {
      for (const n of COUNTS) {
        const [palette] = extractPalettes(pixels, { numColors: n, types: [harmony] });
        const [, , h0] = lch(palette[0]);
        palette.forEach((c, i) => {
          const [, C, h] = lch(c);
          if (C < HUE_MIN_CHROMA) return;
          const what = `${name}, n=${n}, colour ${i} (${c.rgb.join(',')}) hue ${h.toFixed(1)} vs base ${h0.toFixed(1)}`;
          if (i < offsets.length) expect(Math.abs(hueDiff(h0 + offsets[i], h)), what).toBeLessThanOrEqual(HUE_TOLERANCE);
          expect(Math.min(...offsets.map((o) => Math.abs(hueDiff(h0 + o, h)))), what).toBeLessThanOrEqual(HUE_TOLERANCE);
        });
      }
    }
  });

  it('complementary ~180°, triadic ~120° and 240°, split-complementary ~150° and 210°, tetradic ~90° steps, analogous ±30°', () => {
    const pixels = IMAGES[0][1];
    const hues = (type: PaletteTypeName) => extractPalettes(pixels, { numColors: 4, types: [type] })[0].map((c) => lch(c)[2]);
    const steps = (type: PaletteTypeName, count: number) => {
      const [h0, ...rest] = hues(type);
      return rest.slice(0, count - 1).map((h) => Math.round(hueDiff(h0, h)));
    };
    expect(steps('complementary', 2)[0]).toSatisfy((d: number) => Math.abs(Math.abs(d) - 180) <= HUE_TOLERANCE);
    expect(steps('triadic', 3).map((d) => (d + 360) % 360)).toSatisfy((ds: number[]) => Math.abs(ds[0] - 120) <= 4 && Math.abs(ds[1] - 240) <= 4);
    expect(steps('split_complementary', 3).map((d) => (d + 360) % 360)).toSatisfy((ds: number[]) => Math.abs(ds[0] - 150) <= 4 && Math.abs(ds[1] - 210) <= 4);
    expect(steps('tetradic', 4).map((d) => (d + 360) % 360)).toSatisfy((ds: number[]) => Math.abs(ds[0] - 90) <= 4 && Math.abs(ds[1] - 180) <= 4 && Math.abs(ds[2] - 270) <= 4);
    expect(steps('analogous', 3)).toSatisfy((ds: number[]) => Math.abs(ds[0] - 30) <= 4 && Math.abs(ds[1] + 30) <= 4);
  });

  it('start from the dominant colour: the first colour of every harmony but shades is it', () => {
    const pixels = IMAGES[0][1];
    const [dominant, ...harmonies] = extractPalettes(pixels, { numColors: 5, types: ['dominant', ...HARMONY_TYPES.filter((t) => t !== 'shades')] });
    for (const h of harmonies) expect(h[0].rgb).toEqual(dominant[0].rgb);
  });

  it('monochromatic and shades stay on the base hue; shades go light to dark and include the base', () => {
    for (const [name, pixels] of chromatic) {
      for (const n of COUNTS) {
        const [dominant, mono, shades] = extractPalettes(pixels, { numColors: n, types: ['dominant', 'monochromatic', 'shades'] });
        const h0 = lch(mono[0])[2];
        for (const c of [...mono, ...shades]) {
          const [, C, h] = lch(c);
          if (C >= HUE_MIN_CHROMA) expect(Math.abs(hueDiff(h0, h)), `${name} n=${n} ${c.rgb.join(',')}`).toBeLessThanOrEqual(HUE_TOLERANCE);
        }
        const L = shades.map((c) => lch(c)[0]);
        expect(L, name).toEqual([...L].sort((a, b) => b - a));
        const [Ld, Cd] = lch(dominant[0]);
        if (Ld >= 0.3 && Ld <= 0.9 && Cd >= 0.05) expect(shades.map((c) => c.rgb), `${name} n=${n}`).toContainEqual(dominant[0].rgb);
      }
    }
  });

  it('build on the most common colour that has a hue when the most common one is grey', () => {
    const pixels = bands([[[128, 128, 128], 0.7], [[20, 90, 200], 0.3]]);
    const [dominant, complementary] = extractPalettes(pixels, { numColors: 2, types: ['dominant', 'complementary'] });
    expect(dominant[0].rgb).toEqual([128, 128, 128]);
    expect(complementary[0].rgb).toEqual([20, 90, 200]);
  });

  it('still promise hues for a grey image: the grey gets a minimum chroma', () => {
    const [complementary] = extractPalettes(solid(128, 128, 128), { numColors: 2, types: ['complementary'] });
    const [a, b] = complementary.map(lch);
    expect(a[1]).toBeGreaterThanOrEqual(0.045);
    expect(Math.abs(Math.abs(hueDiff(a[2], b[2])) - 180)).toBeLessThanOrEqual(HUE_TOLERANCE);
  });
});

describe.runIf(haveSharedImages)('on the real photos', () => {
  const photo = async (name: string): Promise<PixelSource> => {
    const { data } = await sharp(path.join(SHARED_IMAGES, name)).resize(PALETTE_MAX_SIDE, PALETTE_MAX_SIDE, { fit: 'inside' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data, channels: 3 };
  };
  it('gives every type at every count as distinct valid colours', async () => {
    for (const name of ['Garden.jpg', 'hubble_deep_field.jpg', 'coffee.png'].filter((n) => existsSync(path.join(SHARED_IMAGES, n)))) {
      const pixels = await photo(name);
      for (const n of [1, 5, 16]) {
        extractPalettes(pixels, { numColors: n, types: EXTRACTABLE_TYPES }).forEach((p, i) => expectDistinctValidColors(p, n, `${name} ${EXTRACTABLE_TYPES[i]} n=${n}`));
      }
    }
  });
});

/** A saturated sRGB colour at the given HSV hue. */
function hueSample(h: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h / 60) % 6;
    return Math.round(255 * (1 - Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return [f(5), f(3), f(1)];
}
