import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { distanceSquared, srgbToOklab, type Vec3 } from '../../src/color/oklab.js';
import { hexToOklab, planRecolor, recolorLut } from '../../src/color/recolor.js';
import { assignRows, matchPalettes } from '../../src/color/recolor-match.js';
import { colorHistogram, mergeClose, recolorPalette, weightedKMeans } from '../../src/color/recolor-palette.js';
import { createColorTransfer, gamutMapToLinear, lightnessCurve, transferLut } from '../../src/color/recolor-transfer.js';
import { lumaSsim } from '../support/luma-ssim.js';
import { recolor } from '../../src/imaging/steps/recolor.js';
import type { RawPixels } from '../../src/imaging/steps/raw-pixels.js';
import { haveSharedImages, sharedImage } from '../support/shared-images.js';

const distance = (a: Vec3, b: Vec3) => Math.sqrt(distanceSquared(a, b));

/** Two-tone test image: left half `left`, right half `right` (sRGB bytes), optional alpha. */
function twoTone(left: Vec3, right: Vec3, width = 64, height = 32, alpha?: number): RawPixels {
  const channels = alpha === undefined ? 3 : 4;
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      const c = x < width / 2 ? left : right;
      data.set(c, i);
      if (alpha !== undefined) data[i + 3] = alpha;
    }
  }
  return { data, width, height, channels };
}

const step = (colors: string[], strength: number) => ({ op: 'recolor' as const, colors, strength });

describe('assignRows (Hungarian method)', () => {
  it('finds the minimum-cost assignment, as brute force does', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let trial = 0; trial < 40; trial++) {
      const rows = 1 + (trial % 5);
      const cols = rows + (trial % 3);
      const cost = Array.from({ length: rows }, () => Array.from({ length: cols }, () => random()));
      const assignment = assignRows(cost);
      expect(new Set(assignment).size).toBe(rows);
      const total = assignment.reduce((s, j, i) => s + cost[i][j], 0);
      expect(total).toBeCloseTo(bruteForce(cost), 9);
    }
  });

  it('refuses more rows than columns', () => {
    expect(() => assignRows([[1], [2]])).toThrow('assignRows: 2 rows cannot take distinct columns among 1');
  });
});

function bruteForce(cost: number[][]): number {
  const cols = cost[0].length;
  let best = Infinity;
  const go = (row: number, used: Set<number>, sum: number) => {
    if (row === cost.length) return void (best = Math.min(best, sum));
    for (let j = 0; j < cols; j++) if (!used.has(j)) go(row + 1, new Set([...used, j]), sum + cost[row][j]);
  };
  go(0, new Set(), 0);
  return best;
}

describe('matchPalettes', () => {
  it('pairs dark with dark and light with light, whatever the hues', () => {
    const source = [srgbToOklab(20, 30, 120), srgbToOklab(240, 240, 200)]; // dark blue, light cream
    const target = [srgbToOklab(255, 220, 120), srgbToOklab(90, 10, 10)]; // light yellow, dark red
    expect(matchPalettes(source, target)).toEqual([1, 0]);
  });

  it('gives every source a target when there are fewer targets', () => {
    const source = [srgbToOklab(10, 10, 10), srgbToOklab(120, 120, 120), srgbToOklab(250, 250, 250)];
    const match = matchPalettes(source, [srgbToOklab(0, 0, 0), srgbToOklab(255, 255, 255)]);
    expect(match[0]).toBe(0);
    expect(match[2]).toBe(1);
    expect([0, 1]).toContain(match[1]);
  });
});

describe('lightnessCurve', () => {
  it('passes through (0, 0), the pairs and (1, 1), linearly in between', () => {
    const f = lightnessCurve([0.5], [0.7]);
    expect(f(0)).toBe(0);
    expect(f(0.5)).toBeCloseTo(0.7, 12);
    expect(f(0.25)).toBeCloseTo(0.35, 12);
    expect(f(1)).toBe(1);
  });

  it('stays monotonic when the targets would reverse the order (pooled to their mean)', () => {
    const f = lightnessCurve([0.3, 0.6], [0.8, 0.4]);
    expect(f(0.3)).toBeCloseTo(0.6, 12);
    expect(f(0.6)).toBeCloseTo(0.6, 12);
    let last = -1;
    for (let L = 0; L <= 1.0001; L += 0.01) {
      expect(f(L)).toBeGreaterThanOrEqual(last - 1e-12);
      last = f(L);
    }
  });
});

describe('createColorTransfer', () => {
  it('takes each source palette colour to its target', () => {
    const source: Vec3[] = ['#2b5d34', '#9fc46a', '#5b3a29', '#d9e4f0'].map(hexToOklab);
    const target: Vec3[] = ['#1d3557', '#457b9d', '#e63946', '#f1faee'].map(hexToOklab);
    const match = matchPalettes(source, target);
    const transfer = createColorTransfer(source, match.map((j) => target[j]));
    const out: Vec3 = [0, 0, 0];
    for (const [i, s] of source.entries()) {
      transfer.apply(s[0], s[1], s[2], out);
      // Lightness exactly (these pairs need no monotonic fix); chroma up to the RBF system's small ridge.
      expect(out[0]).toBeCloseTo(target[match[i]][0], 9);
      expect(distance(out, target[match[i]])).toBeLessThan(0.02);
    }
  });

  it('moves colours near a palette colour by about its shift', () => {
    const source: Vec3[] = [hexToOklab('#808080'), hexToOklab('#203080')];
    const target: Vec3[] = [hexToOklab('#808080'), hexToOklab('#802020')];
    const transfer = createColorTransfer(source, target);
    const out: Vec3 = [0, 0, 0];
    const nearBlue = hexToOklab('#25358a');
    transfer.apply(...nearBlue, out);
    expect(distance(out, target[1])).toBeLessThan(0.03);
  });
});

describe('transferLut', () => {
  it('is the identity at strength 0 (red fastest, then green, then blue)', () => {
    const source: Vec3[] = [hexToOklab('#336699')];
    const transfer = createColorTransfer(source, [hexToOklab('#cc3300')]);
    const n = 5;
    const table = transferLut(transfer, 0, n);
    expect(table.length).toBe(n * n * n * 3);
    for (let b = 0, o = 0; b < n; b++) for (let g = 0; g < n; g++) for (let r = 0; r < n; r++, o += 3) {
      expect(table[o]).toBeCloseTo(r / (n - 1), 5);
      expect(table[o + 1]).toBeCloseTo(g / (n - 1), 5);
      expect(table[o + 2]).toBeCloseTo(b / (n - 1), 5);
    }
  });

  it('keeps every entry inside the sRGB gamut', () => {
    const transfer = createColorTransfer([hexToOklab('#404040'), hexToOklab('#c0c0c0')], [hexToOklab('#00ff00'), hexToOklab('#ff00ff')]);
    for (const v of transferLut(transfer, 1, 9)) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('gamut-maps by chroma at fixed lightness', () => {
    const rgb = gamutMapToLinear(0.7, 0.4, 0.3);
    for (const c of rgb) expect(c).toBeGreaterThanOrEqual(0);
    for (const c of rgb) expect(c).toBeLessThanOrEqual(1);
    expect(gamutMapToLinear(1.2, 0.1, 0)).toEqual([1, 1, 1]);
    expect(gamutMapToLinear(-0.1, 0.1, 0)).toEqual([0, 0, 0]);
  });
});

describe('recolorPalette', () => {
  it('finds the colours of a two-tone image with their shares', () => {
    const px = twoTone([200, 40, 40], [30, 60, 200], 60, 20);
    const palette = recolorPalette(px.data, 3, 4);
    expect(palette).toHaveLength(2);
    for (const c of palette) expect(c.weight).toBeCloseTo(0.5, 6);
    const labs = palette.map((c) => c.lab);
    expect(Math.min(...labs.map((l) => distance(l, srgbToOklab(200, 40, 40))))).toBeLessThan(0.02);
    expect(Math.min(...labs.map((l) => distance(l, srgbToOklab(30, 60, 200))))).toBeLessThan(0.02);
  });

  it('ignores transparent pixels and merges near-duplicates', () => {
    const transparent = twoTone([0, 0, 0], [0, 0, 0], 8, 8, 0);
    expect(colorHistogram(transparent.data, 4)).toEqual([]);
    expect(weightedKMeans([], 3)).toEqual([]);
    const merged = mergeClose(
      [
        { lab: [0.5, 0, 0], weight: 0.6 },
        { lab: [0.51, 0, 0], weight: 0.4 },
      ],
      0.03,
    );
    expect(merged).toHaveLength(1);
    expect(merged[0].lab[0]).toBeCloseTo(0.504, 6);
  });
});

describe('recolor step', () => {
  it('leaves the pixels exactly as they were at strength 0', async () => {
    const px = twoTone([200, 40, 40], [30, 60, 200]);
    const before = Buffer.from(px.data);
    const out = await recolor.apply(px, step(['#00ff00'], 0), 'steps[0]', Date.now() + 10_000);
    expect(Buffer.compare(out.data, before)).toBe(0);
  });

  it('moves each colour to its matched target at strength 1 and keeps alpha', async () => {
    const px = twoTone([40, 40, 40], [220, 220, 220], 64, 32, 128);
    const out = await recolor.apply(px, step(['#f4d35e', '#0d3b66'], 1), 'steps[0]', Date.now() + 10_000);
    const at = (x: number) => srgbToOklab(out.data[x * 4], out.data[x * 4 + 1], out.data[x * 4 + 2]);
    expect(distance(at(0), hexToOklab('#0d3b66'))).toBeLessThan(0.02); // dark goes to dark navy
    expect(distance(at(63), hexToOklab('#f4d35e'))).toBeLessThan(0.02); // light to light yellow
    for (let i = 3; i < out.data.length; i += 4) expect(out.data[i]).toBe(128);
  });

  it('blends by strength', async () => {
    const full = await recolor.apply(twoTone([40, 40, 40], [220, 220, 220]), step(['#f4d35e', '#0d3b66'], 1), 's', Date.now() + 10_000);
    const half = await recolor.apply(twoTone([40, 40, 40], [220, 220, 220]), step(['#f4d35e', '#0d3b66'], 0.5), 's', Date.now() + 10_000);
    const original = srgbToOklab(220, 220, 220);
    const recoloured = srgbToOklab(full.data[189], full.data[190], full.data[191]);
    const between = srgbToOklab(half.data[189], half.data[190], half.data[191]);
    const d = distance(original, recoloured);
    expect(distance(original, between)).toBeGreaterThan(0.3 * d);
    expect(distance(original, between)).toBeLessThan(0.7 * d);
  });

  it('refuses bad parameters naming the field', async () => {
    const px = twoTone([1, 2, 3], [4, 5, 6]);
    const deadline = Date.now() + 10_000;
    await expect(async () => recolor.apply(px, step([], 1), 'steps[0]', deadline)).rejects.toThrow('steps[0].colors: expected 1 to 16 colours, received "0 colours"');
    await expect(async () => recolor.apply(px, step(['red'], 1), 'steps[0]', deadline)).rejects.toThrow('steps[0].colors[0]: expected a colour "#RRGGBB", received "red"');
    await expect(async () => recolor.apply(px, step(['#ffffff'], 1.5), 'steps[0]', deadline)).rejects.toThrow('steps[0].strength: expected a number from 0 to 1, received 1.5');
  });
});

describe.runIf(haveSharedImages)('recolouring real photos', () => {
  const targets = ['#0b3c5d', '#328cc1', '#d9b310', '#f25c54', '#fde2a7'];

  for (const name of ['GreenMeadow.jpg', 'Garden.jpg', 'TwoWings.jpg', 'Dune.jpg', 'chelsea.png']) {
    it(`${name}: the palette moves close to the target and the structure stays (luminance SSIM)`, async () => {
      const { data, info } = await sharp(sharedImage(name)).resize(640, 640, { fit: 'inside' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const source: RawPixels = { data, width: info.width, height: info.height, channels: 3 };
      const before = recolorPalette(data, 3, targets.length);
      const out = await recolor.apply({ ...source, data: Buffer.from(data) }, step(targets, 1), 's', Date.now() + 60_000);
      const after = recolorPalette(out.data, 3, targets.length);
      const target = targets.map(hexToOklab);
      // Weighted mean distance from each palette colour to its nearest target colour.
      const gap = (palette: typeof before) => palette.reduce((s, c) => s + c.weight * Math.min(...target.map((t) => distance(c.lab, t))), 0) / palette.reduce((s, c) => s + c.weight, 0);
      // Measured 0.03-0.08 after against 0.13-0.16 before; SSIM 0.85-0.89.
      expect(gap(after)).toBeLessThan(0.09);
      expect(gap(after)).toBeLessThan(0.6 * gap(before));
      expect(lumaSsim(source, out)).toBeGreaterThan(0.8);
    });
  }

  it('keeps the plan deterministic', () => {
    const px = twoTone([10, 120, 30], [200, 180, 20]);
    const a = planRecolor(px.data, 3, targets);
    const b = planRecolor(px.data, 3, targets);
    expect(a).toEqual(b);
    expect(recolorLut(a, 1)).toEqual(recolorLut(b, 1));
  });
});
