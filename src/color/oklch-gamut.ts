import { inSrgbGamut, oklabToSrgb, oklchToOklab, srgbToOklab, type Vec3 } from './oklab.js';

/**
 * How far outside 0-1 a linear channel may be and still count as inside sRGB: about 1.5 steps of 8-bit
 * sRGB near black, below what rounding to bytes loses anyway. Without it the sRGB corners misbehave: a
 * line of constant OKLCh lightness and hue through pure blue leaves the cube just inside the corner and
 * comes back at it, so the corner colour itself would be "reduced" to a visibly different blue.
 */
const GAMUT_TOLERANCE = 5e-4;

/** The most chroma sRGB can show at this OKLCh lightness and hue (binary search on the gamut edge). */
export function maxChroma(L: number, hue: number): number {
  if (L <= 0 || L >= 1) return 0;
  let lo = 0;
  let hi = 0.4;
  for (let i = 0; i < 18; i++) {
    const mid = (lo + hi) / 2;
    const [, a, b] = oklchToOklab(L, mid, hue);
    if (inSrgbGamut(L, a, b, GAMUT_TOLERANCE)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * OKLCh → sRGB bytes, bringing an out-of-gamut colour inside by lowering its chroma at constant
 * lightness and hue (clipping channels instead would shift the hue, which harmonies must keep).
 */
export function oklchToSrgbInGamut(L: number, C: number, hue: number): Vec3 {
  const l = Math.min(1, Math.max(0, L));
  const [, a, b] = oklchToOklab(l, Math.max(0, C), hue);
  if (inSrgbGamut(l, a, b, GAMUT_TOLERANCE)) return oklabToSrgb(l, a, b);
  const [, a2, b2] = oklchToOklab(l, Math.min(Math.max(0, C), maxChroma(l, hue)), hue);
  return oklabToSrgb(l, a2, b2);
}

/** The OKLab coordinates of sRGB bytes, as a plain triple. */
export function labOf(rgb: Vec3): Vec3 {
  return srgbToOklab(rgb[0], rgb[1], rgb[2]);
}
