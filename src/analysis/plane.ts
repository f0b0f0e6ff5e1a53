import sharp from 'sharp';

/**
 * Pixel planes for the analyses, all from one decode: the decoded RGB(A) is resized in memory by sharp
 * (from raw pixels, not from the file again) to the size each measure is defined at.
 */

export interface Rgba {
  /** Interleaved 8-bit sRGB, `channels` per pixel. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** A single-channel float plane (luma 0-255 unless said otherwise). */
export interface Plane {
  data: Float32Array;
  width: number;
  height: number;
}

/** The image resized to fit `maxSide` (never enlarged), or to exactly width x height with `exact`. */
export async function resized(image: Rgba, maxSide: number, exact?: { width: number; height: number }): Promise<Rgba> {
  const { width, height, channels } = image;
  if (!exact && Math.max(width, height) <= maxSide) return image;
  const { data, info } = await sharp(image.data, { raw: { width, height, channels }, limitInputPixels: false })
    .resize(exact ? { width: exact.width, height: exact.height, fit: 'fill' } : { width: maxSide, height: maxSide, fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels as 3 | 4 };
}

/** Rec.709 luma (0-255, of the gamma-encoded values) of every pixel. */
export function lumaPlane(image: Rgba): Plane {
  const { data, width, height, channels } = image;
  const out = new Float32Array(width * height);
  for (let p = 0, i = 0; p < out.length; p++, i += channels) out[p] = 0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2];
  return { data: out, width, height };
}

/** ITU-R 601 luma, the greyscale conventional for perceptual hashes. */
export function luma601Plane(image: Rgba): Plane {
  const { data, width, height, channels } = image;
  const out = new Float32Array(width * height);
  for (let p = 0, i = 0; p < out.length; p++, i += channels) out[p] = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
  return { data: out, width, height };
}

export function clamp01(x: number): number {
  return x <= 0 ? 0 : x >= 1 ? 1 : x;
}
