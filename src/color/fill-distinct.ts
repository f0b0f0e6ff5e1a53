import type { Vec3 } from './oklab.js';
import { maxChroma, oklchToSrgbInGamut } from './oklch-gamut.js';
import { isDistinctFrom, lchOf, swatchOf, type Swatch } from './swatch.js';

/** A region of OKLCh: lightness and chroma ranges (hue free). */
export interface ColorBox {
  L: readonly [number, number];
  C: readonly [number, number];
}

const clamp = (x: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, x));

/**
 * The colour of the box nearest to (L, C, hue) at the same hue, as sRGB bytes: lightness and chroma
 * clamped into the box, then, where sRGB cannot show the box's minimum chroma at that lightness and
 * hue, the nearest lightness in the box where it can (or the most colourful one there is).
 */
export function projectIntoBox(L: number, C: number, hue: number, box: ColorBox): Vec3 {
  let l = clamp(L, box.L);
  let cap = maxChroma(l, hue);
  const minC = box.C[0];
  if (cap < minC) {
    let found = -1;
    let richest = l;
    let richestCap = cap;
    for (let x = box.L[0]; x <= box.L[1] + 1e-9; x += 0.005) {
      const m = maxChroma(x, hue);
      if (m >= minC && (found < 0 || Math.abs(x - l) < Math.abs(found - l))) found = x;
      if (m > richestCap) {
        richestCap = m;
        richest = x;
      }
    }
    l = found >= 0 ? found : richest;
    cap = maxChroma(l, hue);
  }
  return oklchToSrgbInGamut(l, Math.min(clamp(C, box.C), cap), hue);
}

// Variations tried on a seed colour, lightness first (same family), then hue: [dL, dHue, chroma floor].
const VARIANTS: [number, number, number][] = [];
for (const dl of [0.06, -0.06, 0.12, -0.12, 0.18, -0.18, 0.24, -0.24, 0.32, -0.32, 0.42, -0.42, 0.03, -0.03, 0.09, -0.09]) VARIANTS.push([dl, 0, 0]);
for (const dh of [30, -30, 60, -60, 90, -90, 120, -120, 150, -150, 180]) for (const dl of [0, 0.1, -0.1]) VARIANTS.push([dl, dh, 0.06]);

/**
 * Tops `chosen` up to n pairwise-distinct colours inside the box, each made from a chosen colour (in
 * turn) by varying lightness, then hue; a sweep of the whole box follows if those run out. The added
 * colours have proportion 0: no pixel chose them.
 */
export function fillDistinct(chosen: Swatch[], n: number, box: ColorBox): Swatch[] {
  const out = chosen.slice(0, n);
  const seeds = out.length > 0 ? out.map(lchOf) : [[clamp(0.6, box.L), clamp(0, box.C), 0] as Vec3];
  const tryAdd = (L: number, C: number, hue: number) => {
    const s = swatchOf(projectIntoBox(L, C, ((hue % 360) + 360) % 360, box));
    if (isDistinctFrom(s.lab, out)) out.push(s);
  };
  for (let v = 0; v < VARIANTS.length && out.length < n; v++) {
    const [dl, dh, minC] = VARIANTS[v];
    for (let s = 0; s < seeds.length && out.length < n; s++) {
      const [L, C, hue] = seeds[s];
      tryAdd(L + dl, Math.max(C, minC), hue + dh);
    }
  }
  for (let L = box.L[0]; L <= box.L[1] + 1e-9 && out.length < n; L += 0.02) {
    for (let hue = 0; hue < 360 && out.length < n; hue += 30) {
      for (const C of [box.C[0], Math.min(box.C[1], 0.06), Math.min(box.C[1], 0.15)]) if (out.length < n) tryAdd(L, C, hue);
    }
  }
  if (out.length < n) throw new Error(`could not find ${n} distinct colours in L ${box.L.join('-')}, C ${box.C.join('-')}`);
  return out;
}
