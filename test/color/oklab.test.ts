import { describe, expect, it } from 'vitest';
import { inSrgbGamut, oklabToOklch, oklabToSrgb, srgbToOklab } from '../../src/color/oklab.js';

describe('OKLab', () => {
  it('matches the reference values for white, black and pure red', () => {
    const white = srgbToOklab(255, 255, 255);
    expect(white[0]).toBeCloseTo(1, 4);
    expect(Math.abs(white[1]) + Math.abs(white[2])).toBeLessThan(1e-4);
    expect(srgbToOklab(0, 0, 0)[0]).toBeCloseTo(0, 6);
    const red = srgbToOklab(255, 0, 0);
    expect(red[0]).toBeCloseTo(0.62796, 4);
    expect(red[1]).toBeCloseTo(0.22486, 4);
    expect(red[2]).toBeCloseTo(0.12585, 4);
  });

  it('round-trips every 17th sRGB colour exactly', () => {
    for (let r = 0; r < 256; r += 17) for (let g = 0; g < 256; g += 17) for (let b = 0; b < 256; b += 17) {
      const [L, a, bb] = srgbToOklab(r, g, b);
      expect(oklabToSrgb(L, a, bb)).toEqual([r, g, b]);
      expect(inSrgbGamut(L, a, bb)).toBe(true);
    }
  });

  it('gives hue angles in degrees', () => {
    const [, c, h] = oklabToOklch(...srgbToOklab(0, 0, 255));
    expect(c).toBeGreaterThan(0.3);
    expect(h).toBeCloseTo(264.05, 1);
  });
});
