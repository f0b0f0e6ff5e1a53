import { SRGB_TO_LINEAR, type Vec3 } from './oklab.js';

/** D65 reference white of CIE XYZ (2° observer), Y = 1. */
const XN = 0.95047;
const ZN = 1.08883;

function f(t: number): number {
  return t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116;
}

/**
 * sRGB bytes (0-255) → CIELAB (D65): L 0-100. The space CIEDE2000 is defined on; the service works in
 * OKLab and uses this only to measure colour differences the way the literature does.
 */
export function srgbToLab(r: number, g: number, b: number, out: Vec3 | Float64Array = [0, 0, 0], at = 0): Vec3 | Float64Array {
  const rl = SRGB_TO_LINEAR[r | 0];
  const gl = SRGB_TO_LINEAR[g | 0];
  const bl = SRGB_TO_LINEAR[b | 0];
  const x = f((0.4124564 * rl + 0.3575761 * gl + 0.1804375 * bl) / XN);
  const y = f(0.2126729 * rl + 0.7151522 * gl + 0.072175 * bl);
  const z = f((0.0193339 * rl + 0.119192 * gl + 0.9503041 * bl) / ZN);
  out[at] = 116 * y - 16;
  out[at + 1] = 500 * (x - y);
  out[at + 2] = 200 * (y - z);
  return out;
}
