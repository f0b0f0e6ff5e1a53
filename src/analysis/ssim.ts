import type { Plane } from './plane.js';

/**
 * Structural similarity (Wang, Bovik, Sheikh and Simoncelli 2004) of two same-size planes of 0-255
 * values: the mean over 8x8 windows sliding by 4 of the local SSIM with the usual constants
 * (K1 = 0.01, K2 = 0.03, L = 255). 1 for identical planes.
 */
export function ssim(a: Plane, b: Plane, window = 8, stride = 4): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`ssim: sizes differ (${a.width}x${a.height} and ${b.width}x${b.height})`);
  const { width, height } = a;
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  const n = window * window;
  let sum = 0;
  let count = 0;
  for (let y = 0; y + window <= height; y += stride) {
    for (let x = 0; x + window <= width; x += stride) {
      let sa = 0;
      let sb = 0;
      let saa = 0;
      let sbb = 0;
      let sab = 0;
      for (let dy = 0; dy < window; dy++) {
        let i = (y + dy) * width + x;
        for (let dx = 0; dx < window; dx++, i++) {
          const va = a.data[i];
          const vb = b.data[i];
          sa += va;
          sb += vb;
          saa += va * va;
          sbb += vb * vb;
          sab += va * vb;
        }
      }
      const ma = sa / n;
      const mb = sb / n;
      const va = saa / n - ma * ma;
      const vb = sbb / n - mb * mb;
      const cov = sab / n - ma * mb;
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      count++;
    }
  }
  return count === 0 ? 1 : sum / count;
}
