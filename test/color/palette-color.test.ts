import { describe, expect, it } from 'vitest';
import { colorNamer } from '../../src/color/color-names.js';
import { hexOf, hsvOf, paletteColor } from '../../src/color/palette-color.js';

describe('palette colour fields', () => {
  it('writes hex lower case with leading zeros', () => {
    expect(hexOf([0, 0, 0])).toBe('#000000');
    expect(hexOf([255, 171, 5])).toBe('#ffab05');
  });

  it('gives HSV with hue in degrees and saturation and value 0 to 1', () => {
    expect(hsvOf([255, 0, 0])).toEqual([0, 1, 1]);
    expect(hsvOf([0, 255, 0])).toEqual([120, 1, 1]);
    expect(hsvOf([0, 128, 255])[0]).toBeCloseTo(209.88, 2);
    expect(hsvOf([255, 0, 128])[0]).toBeCloseTo(329.88, 2);
    const grey = hsvOf([128, 128, 128]);
    expect(grey[0]).toBe(0);
    expect(grey[1]).toBe(0);
    expect(grey[2]).toBeCloseTo(0.502, 3);
    expect(hsvOf([0, 0, 0])).toEqual([0, 0, 0]);
  });

  it('assembles hex, rgb, hsv, name and proportion', () => {
    const namer = colorNamer([{ name: 'Pure Red', hex: '#ff0000' }, { name: 'Pure Blue', hex: '#0000ff' }]);
    expect(paletteColor([250, 10, 10], 0.123456789, namer)).toEqual({
      hex: '#fa0a0a',
      rgb: [250, 10, 10],
      hsv: [0, 0.96, 0.9804],
      name: 'Pure Red',
      proportion: 0.12346,
    });
  });
});
