import type { Vec3 } from './oklab.js';
import { fillDistinct } from './fill-distinct.js';
import { oklchToSrgbInGamut } from './oklch-gamut.js';
import { isDistinctFrom, lchOf, swatchOf, type Swatch } from './swatch.js';

export type HarmonyName = 'complementary' | 'analogous' | 'triadic' | 'split_complementary' | 'tetradic' | 'monochromatic' | 'shades';

/** Hue offsets from the base colour, in OKLCh degrees, of each harmony. */
export const HARMONY_HUES: Record<HarmonyName, readonly number[]> = {
  complementary: [0, 180],
  analogous: [0, 30, -30],
  triadic: [0, 120, 240],
  split_complementary: [0, 150, 210],
  tetradic: [0, 90, 180, 270],
  monochromatic: [0],
  shades: [0],
};

/**
 * Harmony colours stay within this lightness range and keep at least this chroma (where sRGB allows):
 * toward black or white every hue fades to grey, and a grey has no hue to relate.
 */
export const HARMONY_LIGHTNESS: readonly [number, number] = [0.3, 0.9];
export const HARMONY_MIN_CHROMA = 0.05;
// Below this OKLCh chroma a colour counts as neutral: its hue is noise.
const NEUTRAL_CHROMA = 0.03;

/**
 * The colour harmonies start from: the most common colour of the dominant palette that is not
 * neutral (a grey has no hue to build on), or the most common one if all are. Returned in OKLCh,
 * lightness limited to HARMONY_LIGHTNESS and chroma raised to HARMONY_MIN_CHROMA.
 */
export function harmonyBase(dominant: readonly Swatch[]): Vec3 {
  const base = dominant.find((s) => lchOf(s)[1] >= NEUTRAL_CHROMA) ?? dominant[0];
  const [L, C, h] = lchOf(base);
  return [Math.min(HARMONY_LIGHTNESS[1], Math.max(HARMONY_LIGHTNESS[0], L)), Math.max(C, HARMONY_MIN_CHROMA), h];
}

/**
 * n distinct colours of the harmony, built in OKLCh from the base. The first colours are the base and
 * its partners at the harmony's hues (same lightness and chroma, chroma lowered where sRGB cannot show
 * it); further colours repeat those hues at other lightness levels, spread evenly enough that n always
 * fit. `monochromatic` varies lightness and chroma at the base hue; `shades` varies lightness only and
 * lists the colours light to dark. Proportions are 0: these colours are made, not measured.
 */
export function harmonyColors(base: Vec3, harmony: HarmonyName, n: number): Swatch[] {
  const [L0, C0, h0] = base;
  const hues = HARMONY_HUES[harmony];
  const perHue = Math.ceil(n / hues.length);
  const levels = lightnessLevels(L0, perHue + 2);
  const out: Swatch[] = [];
  const next = new Array<number>(hues.length).fill(0);
  for (let i = 0; out.length < n && i < n * 4; i++) {
    const slot = i % hues.length;
    // The levels of one hue are tried in turn; one that collides with an earlier colour is skipped.
    while (next[slot] < levels.length) {
      const tier = next[slot]++;
      const chroma = harmony === 'monochromatic' && tier % 2 === 1 ? Math.max(HARMONY_MIN_CHROMA, C0 * 0.55) : C0;
      const s = swatchOf(oklchToSrgbInGamut(levels[tier], chroma, (((h0 + hues[slot]) % 360) + 360) % 360));
      if (isDistinctFrom(s.lab, out)) {
        out.push(s);
        break;
      }
    }
  }
  // Not reached for any base the tests try; kept so the count is honoured whatever happens.
  const full = out.length < n ? fillDistinct(out, n, { L: HARMONY_LIGHTNESS, C: [HARMONY_MIN_CHROMA, Infinity] }) : out;
  return harmony === 'shades' ? full.sort((a, b) => b.lab[0] - a.lab[0]) : full;
}

/** The base lightness, then alternately lighter and darker steps, all inside HARMONY_LIGHTNESS. */
function lightnessLevels(L0: number, count: number): number[] {
  const [lo, hi] = HARMONY_LIGHTNESS;
  // A step small enough that `count` levels fit between the bounds wherever L0 lies, at most 0.12.
  const step = Math.min(0.12, (hi - lo) / (count + 1));
  const levels = [L0];
  for (let k = 1; levels.length < count && k < 100; k++) {
    if (L0 + k * step <= hi + 1e-9) levels.push(L0 + k * step);
    if (levels.length < count && L0 - k * step >= lo - 1e-9) levels.push(L0 - k * step);
  }
  return levels;
}
