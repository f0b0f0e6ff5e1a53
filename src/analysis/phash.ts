import type { Plane } from './plane.js';

/**
 * 64-bit DCT perceptual hash (the pHash of Zauner 2010, as the imagehash library computes it): the 32x32
 * greyscale image, its 2D DCT-II, the top-left 8x8 coefficients (lowest frequencies, DC included), one
 * bit per coefficient above their median, row by row, most significant bit first, as 16 hex digits.
 * Near-duplicates differ in few bits: compare with the Hamming distance.
 */
export function phash(plane32: Plane): string {
  const N = 32;
  if (plane32.width !== N || plane32.height !== N) throw new Error(`phash: expected a 32x32 plane, got ${plane32.width}x${plane32.height}`);
  const cos = DCT_COS;
  // Rows, then columns, of the 8 lowest frequencies only.
  const rows = new Float64Array(N * 8);
  for (let y = 0; y < N; y++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += plane32.data[y * N + x] * cos[u * N + x];
      rows[y * 8 + u] = s;
    }
  }
  const coefficients = new Float64Array(64);
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += rows[y * 8 + u] * cos[v * N + y];
      coefficients[v * 8 + u] = s;
    }
  }
  const sorted = [...coefficients].sort((a, b) => a - b);
  const median = (sorted[31] + sorted[32]) / 2;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++) value = (value << 1) | (coefficients[nibble * 4 + bit] > median ? 1 : 0);
    hex += value.toString(16);
  }
  return hex;
}

/** Hamming distance between two hex hashes of equal length. */
export function hammingDistance(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    let x = Number.parseInt(a[i], 16) ^ Number.parseInt(b[i], 16);
    while (x) {
      d += x & 1;
      x >>= 1;
    }
  }
  return d;
}

/** cos(pi (2x + 1) u / 64) for u < 8, x < 32 (the DCT-II basis; scale factors do not change the bits). */
const DCT_COS = (() => {
  const t = new Float64Array(8 * 32);
  for (let u = 0; u < 8; u++) for (let x = 0; x < 32; x++) t[u * 32 + x] = Math.cos((Math.PI * (2 * x + 1) * u) / 64);
  return t;
})();
