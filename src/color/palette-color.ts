import type { PaletteColorRecord } from '../domain/palette-record.js';
import type { ColorNamer } from './color-names.js';
import type { Vec3 } from './oklab.js';

/** "#rrggbb", lower case. */
export function hexOf([r, g, b]: Vec3): string {
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}

/** sRGB bytes → HSV: hue in degrees 0 to 360 (0 for greys), saturation and value 0 to 1. */
export function hsvOf([r, g, b]: Vec3): Vec3 {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  let h = 0;
  if (d > 0) {
    if (max === r) h = ((g - b) / d) % 6;
    else if (max === g) h = (b - r) / d + 2;
    else h = (r - g) / d + 4;
    h *= 60;
    if (h < 0) h += 360;
  }
  return [h, max === 0 ? 0 : d / max, max / 255];
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Everything a stored palette colour carries, from its sRGB bytes and pixel share. */
export function paletteColor(rgb: Vec3, proportion: number, namer: ColorNamer): PaletteColorRecord {
  const [h, s, v] = hsvOf(rgb);
  return {
    hex: hexOf(rgb),
    rgb: [rgb[0], rgb[1], rgb[2]],
    hsv: [round(h, 2), round(s, 4), round(v, 4)],
    name: namer.name(rgb),
    proportion: round(proportion, 5),
  };
}
