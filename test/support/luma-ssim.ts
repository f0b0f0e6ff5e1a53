import { ssim } from 'ssim.js';

/** Interleaved 8-bit sRGB pixels, `channels` per pixel (3 or 4). */
interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/**
 * Structural similarity of the luma of two same-size images (ssim.js): the mean local SSIM over 8x8
 * windows with the usual constants, at full size (ssim.js would otherwise downsample to 256 px).
 * 1 for identical images.
 */
export function lumaSsim(a: Pixels, b: Pixels): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`lumaSsim: sizes differ (${a.width}x${a.height} and ${b.width}x${b.height})`);
  return ssim(rgba(a), rgba(b), { ssim: 'bezkrovny', windowSize: 8, downsample: false }).mssim;
}

/** ssim.js reads RGBA. */
function rgba({ data, width, height, channels }: Pixels): { data: Uint8ClampedArray; width: number; height: number } {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0, i = 0, o = 0; p < width * height; p++, i += channels, o += 4) {
    out[o] = data[i];
    out[o + 1] = data[i + 1];
    out[o + 2] = data[i + 2];
    out[o + 3] = 255;
  }
  return { data: out, width, height };
}
