import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.js';
import { distanceSquared, oklabToOklch } from '../../src/color/oklab.js';
import { hexToOklab } from '../../src/color/recolor.js';
import { themePalettes, themeWords } from '../../src/color/theme-palettes.js';

const lch = (hex: string) => oklabToOklch(...hexToOklab(hex));
const isBlue = (hex: string) => {
  const [, C, h] = lch(hex);
  return C > 0.03 && h >= 195 && h <= 285;
};
const isWarm = (hex: string) => {
  const [, C, h] = lch(hex);
  return C > 0.05 && (h <= 95 || h >= 330);
};
const distance = (a: string, b: string) => Math.sqrt(distanceSquared(hexToOklab(a), hexToOklab(b)));
/** Mean distance from each colour to the nearest in the other palette, both ways. */
const paletteDistance = (a: string[], b: string[]) => {
  const one = (x: string[], y: string[]) => x.reduce((s, c) => s + Math.min(...y.map((d) => distance(c, d))), 0) / x.length;
  return (one(a, b) + one(b, a)) / 2;
};

describe('themePalettes', () => {
  it('"ocean sunset" gives palettes with both blues and sunset warms', () => {
    const palettes = themePalettes('ocean sunset', 3, 5);
    expect(palettes).toHaveLength(3);
    for (const p of palettes) {
      expect(p.colors).toHaveLength(5);
      for (const c of p.colors) expect(c).toMatch(/^#[0-9a-f]{6}$/);
      expect(p.colors.filter(isBlue).length, p.colors.join(' ')).toBeGreaterThanOrEqual(1);
      expect(p.colors.filter(isWarm).length, p.colors.join(' ')).toBeGreaterThanOrEqual(1);
    }
    expect(palettes.map((p) => p.name)).toEqual(['ocean sunset', 'ocean sunset: ocean, light', 'ocean sunset: sunset, deep']);
  });

  it('gives distinct palettes of distinct colours, spread in lightness', () => {
    for (const [description, n, k] of [
      ['ocean sunset', 8, 5],
      ['calm forest morning', 4, 6],
      ['crimson', 3, 5],
      ['teal', 2, 12],
      ['snow', 3, 2],
    ] as const) {
      const palettes = themePalettes(description, n, k);
      expect(palettes).toHaveLength(n);
      for (const [i, p] of palettes.entries()) {
        expect(p.colors).toHaveLength(k);
        for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) expect(distance(p.colors[a], p.colors[b]), `${description} #${i}`).toBeGreaterThan(0.05);
        const lightness = p.colors.map((c) => lch(c)[0]);
        expect(Math.max(...lightness) - Math.min(...lightness), `${description} #${i}`).toBeGreaterThanOrEqual(Math.min(0.25, 0.1 * (k - 1)));
        for (let j = 0; j < i; j++) expect(paletteDistance(p.colors, palettes[j].colors), `${description} #${i} vs #${j}`).toBeGreaterThan(0.03);
      }
    }
  });

  it('follows the words: "crimson" stays red, "forest" green, "night" dark', () => {
    for (const c of themePalettes('crimson', 1, 5)[0].colors) {
      const [, , h] = lch(c);
      expect(h < 60 || h > 340, c).toBe(true);
    }
    const forest = themePalettes('forest', 1, 5)[0].colors;
    expect(forest.filter((c) => lch(c)[2] > 100 && lch(c)[2] < 180).length).toBeGreaterThanOrEqual(3);
    const night = themePalettes('night', 1, 5)[0].colors.map((c) => lch(c)[0]);
    const morning = themePalettes('morning', 1, 5)[0].colors.map((c) => lch(c)[0]);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(night)).toBeLessThan(mean(morning) - 0.2);
  });

  it('is deterministic', () => {
    expect(themePalettes('neon city night', 4, 6)).toEqual(themePalettes('neon city night', 4, 6));
  });

  it('refuses a description with nothing recognisable, saying so', () => {
    let error: unknown;
    try {
      themeWords('xyzzy qwrtp');
    } catch (e) {
      error = e;
    }
    expect(isAppError(error)).toBe(true);
    expect(error).toMatchObject({
      kind: 'invalid_argument',
      reason: 'THEME_NOT_RECOGNISED',
      message: 'theme_description: no colour, mood or nature word recognised in "xyzzy qwrtp"; expected words such as "ocean sunset" or "calm forest morning"',
    });
    expect(() => themePalettes('the and of', 3, 5)).toThrow('theme_description: no colour, mood or nature word recognised in "the and of"');
  });
});
