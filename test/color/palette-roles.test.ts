import { describe, expect, it } from 'vitest';
import { fillDistinct, projectIntoBox } from '../../src/color/fill-distinct.js';
import { HARMONY_LIGHTNESS, HARMONY_MIN_CHROMA } from '../../src/color/harmonies.js';
import { oklabToOklch, srgbToOklab } from '../../src/color/oklab.js';
import { maxChroma, oklchToSrgbInGamut } from '../../src/color/oklch-gamut.js';
import { ROLES } from '../../src/color/palette-roles.js';
import { swatchOf } from '../../src/color/swatch.js';

const lchOfRgb = (rgb: [number, number, number]) => oklabToOklch(...srgbToOklab(...rgb));

describe('the OKLCh regions of the extraction types', () => {
  it.each(Object.entries(ROLES))('%s: every hue has a colour inside, and projection lands there', (_name, { box }) => {
    for (let hue = 0; hue < 360; hue += 1) {
      for (const [L, C] of [[0.05, 0], [0.5, 0.4], [0.99, 0.2], [0.6, 0.06]]) {
        const [l, c] = lchOfRgb(projectIntoBox(L, C, hue, box));
        expect(l, `hue ${hue} from L ${L} C ${C}`).toBeGreaterThanOrEqual(box.L[0] - 0.01);
        expect(l, `hue ${hue} from L ${L} C ${C}`).toBeLessThanOrEqual(box.L[1] + 0.01);
        expect(c, `hue ${hue} from L ${L} C ${C}`).toBeGreaterThanOrEqual(box.C[0] - 0.01);
        expect(c, `hue ${hue} from L ${L} C ${C}`).toBeLessThanOrEqual(Math.min(box.C[1], 0.4) + 0.01);
      }
    }
  });

  it.each(Object.entries(ROLES))('%s: 16 distinct colours fit, even from a single grey seed', (_name, { box }) => {
    const seed = swatchOf([128, 128, 128]);
    const filled = fillDistinct([seed], 17, box).slice(1);
    expect(filled).toHaveLength(16);
    expect(new Set(filled.map((s) => s.rgb.join())).size).toBe(16);
  });

  it('harmony colours keep their minimum chroma at every hue in the harmony lightness range', () => {
    for (let hue = 0; hue < 360; hue += 1) {
      for (const L of [HARMONY_LIGHTNESS[0], 0.6, HARMONY_LIGHTNESS[1]]) expect(maxChroma(L, hue), `L ${L} hue ${hue}`).toBeGreaterThanOrEqual(HARMONY_MIN_CHROMA - 0.008);
    }
  });
});

describe('gamut mapping', () => {
  it('keeps sRGB corners as they are (a constant-hue line through pure blue clips just inside the corner)', () => {
    for (const rgb of [[0, 0, 255], [255, 0, 0], [0, 255, 0], [255, 255, 0], [0, 255, 255], [255, 0, 255]] as [number, number, number][]) {
      expect(oklchToSrgbInGamut(...lchOfRgb(rgb))).toEqual(rgb);
    }
  });

  it('lowers chroma at constant lightness and hue', () => {
    const [L, C, h] = [0.7, 0.35, 150];
    const out = lchOfRgb(oklchToSrgbInGamut(L, C, h));
    expect(out[0]).toBeCloseTo(L, 2);
    expect(out[1]).toBeLessThan(C);
    expect(Math.abs(out[2] - h)).toBeLessThan(1.5);
  });
});
