import { distanceSquared, oklabToOklch, type Vec3 } from './oklab.js';
import { labOf } from './oklch-gamut.js';

/** A palette colour as extraction produces it: sRGB bytes, their OKLab, and the pixel share (0 if none). */
export interface Swatch {
  rgb: Vec3;
  lab: Vec3;
  proportion: number;
}

/**
 * Two palette colours are distinct when their OKLab distance, measured on the rounded sRGB bytes, is
 * at least this: 0.02 is about one just-noticeable difference in OKLab (CSS Color 4 uses the same
 * figure for deltaEOK), so "distinct" means visibly different, not merely a different hex.
 */
export const MIN_DISTINCT = 0.02;

export function swatchOf(rgb: Vec3, proportion = 0): Swatch {
  return { rgb, lab: labOf(rgb), proportion };
}

export function isDistinctFrom(lab: Vec3, chosen: readonly Swatch[]): boolean {
  const min = MIN_DISTINCT * MIN_DISTINCT;
  return chosen.every((s) => distanceSquared(s.lab, lab) >= min);
}

export function lchOf(s: Swatch): Vec3 {
  return oklabToOklch(s.lab[0], s.lab[1], s.lab[2]);
}
