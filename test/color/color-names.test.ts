import { describe, expect, it } from 'vitest';
import { colorNamer, defaultColorNamer } from '../../src/color/color-names.js';
import { KdTree3 } from '../../src/color/kd-tree.js';
import { distanceSquared, srgbToOklab } from '../../src/color/oklab.js';
import { hexOf } from '../../src/color/palette-color.js';

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function random(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

describe('KdTree3', () => {
  it('finds the same nearest point as a linear scan, for clustered and spread points', () => {
    const rand = random(7);
    for (const n of [1, 2, 3, 10, 1000]) {
      const points = new Float64Array(n * 3);
      for (let i = 0; i < points.length; i++) points[i] = i % 7 === 0 ? 0.5 : rand(); // some ties on purpose
      const tree = new KdTree3(points);
      for (let q = 0; q < 300; q++) {
        const x = [rand() * 1.2 - 0.1, rand() * 1.2 - 0.1, rand() * 1.2 - 0.1];
        let best = Infinity;
        for (let i = 0; i < n; i++) best = Math.min(best, distanceSquared(x, points.subarray(i * 3, i * 3 + 3)));
        const found = tree.nearest(x[0], x[1], x[2]);
        expect(distanceSquared(x, points.subarray(found * 3, found * 3 + 3))).toBe(best);
      }
    }
  });

  it('answers -1 when empty', () => {
    expect(new KdTree3(new Float64Array(0)).nearest(0, 0, 0)).toBe(-1);
  });
});

describe('colour names', () => {
  it('names a colour after the nearest listed one in OKLab, skipping malformed entries', () => {
    const namer = colorNamer([
      { name: 'Black', hex: '#000000' },
      { name: 'White', hex: '#ffffff' },
      { name: 'Red', hex: '#FF0000' },
      { name: 'Broken', hex: 'not a colour' },
    ]);
    expect(namer.size).toBe(3);
    expect(namer.name([10, 10, 10])).toBe('Black');
    expect(namer.name([240, 235, 250])).toBe('White');
    expect(namer.name([200, 30, 20])).toBe('Red');
  });

  it('loads color-name-list once per process and agrees with a linear scan of all its names', async () => {
    const { colornames } = await import('color-name-list');
    const [namer, again] = await Promise.all([defaultColorNamer(), defaultColorNamer()]);
    expect(again).toBe(namer);
    expect(namer.size).toBeGreaterThan(30_000);
    const labs = colornames.map((c) => {
      const n = parseInt(c.hex.slice(1), 16);
      return srgbToOklab(n >> 16, (n >> 8) & 255, n & 255);
    });
    const hexOfName = new Map(colornames.map((c) => [c.name, c.hex.toLowerCase()]));
    const rand = random(11);
    for (let q = 0; q < 150; q++) {
      const rgb: [number, number, number] = [Math.floor(rand() * 256), Math.floor(rand() * 256), Math.floor(rand() * 256)];
      const lab = srgbToOklab(...rgb);
      let best = Infinity;
      for (const l of labs) best = Math.min(best, distanceSquared(lab, l));
      const name = namer.name(rgb);
      // Names can share a colour; what must match is the distance of the answer.
      const hex = hexOfName.get(name)!;
      const n = parseInt(hex.slice(1), 16);
      expect(distanceSquared(lab, srgbToOklab(n >> 16, (n >> 8) & 255, n & 255))).toBeCloseTo(best, 12);
    }
    // A listed colour is named after itself (or a namesake of the same colour).
    const entry = colornames.find((c) => c.name === 'Deep Sea Blue')!;
    const n = parseInt(entry.hex.slice(1), 16);
    expect(hexOfName.get(namer.name([n >> 16, (n >> 8) & 255, n & 255]))).toBe(hexOf([n >> 16, (n >> 8) & 255, n & 255]));
  });
});
