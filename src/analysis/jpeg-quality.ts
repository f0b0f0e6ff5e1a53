/**
 * The IJG quality (1-100) a JPEG was most likely saved at, estimated from its luminance quantization
 * table: libjpeg scales the standard table (Annex K) by 5000/q (q < 50) or 200 - 2q percent, so the
 * ratio of the sums gives the scale back. undefined for anything that is not a baseline or progressive
 * JPEG with a luminance table.
 */
export function jpegQuality(bytes: Uint8Array): number | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image, or scan data before any table
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    if (marker === 0xdb) {
      let p = i + 4;
      const end = i + 2 + length;
      while (p < end && p < bytes.length) {
        const precision = bytes[p] >> 4;
        const id = bytes[p] & 15;
        p++;
        // Entries clamped at the 8-bit maximum say only "at least": leave them out of the ratio.
        let sum = 0;
        let standard = 0;
        for (let k = 0; k < 64; k++) {
          const value = precision ? (bytes[p + 2 * k] << 8) | bytes[p + 2 * k + 1] : bytes[p + k];
          if (!precision && value >= 255) continue;
          sum += value;
          standard += STANDARD_LUMINANCE[ZIGZAG[k]];
        }
        p += precision ? 128 : 64;
        if (id === 0) return standard === 0 ? 1 : qualityFromScale((sum * 100) / standard);
      }
    }
    i += 2 + length;
  }
  return undefined;
}

/** The Annex K luminance table (ITU-T T.81 Table K.1), in natural order. */
const STANDARD_LUMINANCE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35,
  55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** The natural-order index of each zigzag position (DQT stores tables in zigzag order). */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30,
  37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

function qualityFromScale(scale: number): number {
  const q = scale <= 100 ? (200 - scale) / 2 : 5000 / scale;
  return Math.max(1, Math.min(100, Math.round(q)));
}
