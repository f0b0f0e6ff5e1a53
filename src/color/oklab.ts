/**
 * sRGB ⇄ OKLab (Björn Ottosson, 2020): a perceptual space where Euclidean distance tracks perceived
 * colour difference far better than RGB, and lightness is separable. Pure functions, no allocation in
 * the per-pixel paths (the *Into variants write into a caller's array).
 */

export type Vec3 = [number, number, number];

/** sRGB channel 0-255 → linear 0-1, as a 256-entry table: the hot path is a lookup. */
export const SRGB_TO_LINEAR: Float64Array = (() => {
  const t = new Float64Array(256);
  for (let i = 0; i < 256; i++) {
    const c = i / 255;
    t[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }
  return t;
})();

/** linear 0-1 → sRGB 0-255 (unclamped float). */
function encode(x: number): number {
  const c = x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055;
  return c * 255;
}

/** Linear-light RGB (0-1) → OKLab, written into out. */
export function linearRgbToOklabInto(r: number, g: number, b: number, out: Vec3 | Float64Array | Float32Array, at = 0): void {
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  out[at] = 0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s;
  out[at + 1] = 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s;
  out[at + 2] = 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s;
}

/** sRGB bytes (0-255) → OKLab. */
export function srgbToOklab(r: number, g: number, b: number): Vec3 {
  const out: Vec3 = [0, 0, 0];
  linearRgbToOklabInto(SRGB_TO_LINEAR[r | 0], SRGB_TO_LINEAR[g | 0], SRGB_TO_LINEAR[b | 0], out);
  return out;
}

/** OKLab → linear-light RGB (may fall outside 0-1 for colours outside sRGB). */
function oklabToLinearRgb(L: number, a: number, b: number): Vec3 {
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  return [
    4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s,
  ];
}

/** OKLab → sRGB bytes, clamped to 0-255 and rounded. */
export function oklabToSrgb(L: number, a: number, b: number): Vec3 {
  const [r, g, bl] = oklabToLinearRgb(L, a, b);
  const clamp = (x: number) => Math.min(255, Math.max(0, Math.round(encode(Math.min(1, Math.max(0, x))))));
  return [clamp(r), clamp(g), clamp(bl)];
}

/** Whether an OKLab colour lies inside the sRGB gamut (with a small tolerance). */
export function inSrgbGamut(L: number, a: number, b: number, eps = 1e-4): boolean {
  const rgb = oklabToLinearRgb(L, a, b);
  return rgb.every((c) => c >= -eps && c <= 1 + eps);
}

/** OKLab → OKLCh: lightness, chroma, hue in degrees 0-360. */
export function oklabToOklch(L: number, a: number, b: number): Vec3 {
  const h = (Math.atan2(b, a) * 180) / Math.PI;
  return [L, Math.hypot(a, b), h < 0 ? h + 360 : h];
}

export function oklchToOklab(L: number, C: number, hDegrees: number): Vec3 {
  const h = (hDegrees * Math.PI) / 180;
  return [L, C * Math.cos(h), C * Math.sin(h)];
}

export function distanceSquared(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const d0 = a[0] - b[0];
  const d1 = a[1] - b[1];
  const d2 = a[2] - b[2];
  return d0 * d0 + d1 * d1 + d2 * d2;
}
