import { rgbaToThumbHash } from 'thumbhash';
import type { RawPixels } from './decode-pixels.js';

/** ThumbHash encodes at most 100 x 100 pixels: the image is decoded shrunk to this first. */
export const PLACEHOLDER_MAX_SIDE = 100;

export interface Placeholder {
  /** Base64 ThumbHash (about 25 bytes: small enough to inline in a page). */
  thumbhash: string;
  /** The mean colour "#rrggbb", alpha-weighted (transparent pixels do not count). */
  dominantColor: string;
}

/** A low-quality preview of decoded RGBA pixels of at most PLACEHOLDER_MAX_SIDE a side. */
export function placeholderOf(pixels: RawPixels): Placeholder {
  const { data, width, height } = pixels;
  const sum = [0, 0, 0];
  let weight = 0;
  for (let i = 0; i < data.length; i += 4) {
    const a = data[i + 3];
    sum[0] += data[i] * a;
    sum[1] += data[i + 1] * a;
    sum[2] += data[i + 2] * a;
    weight += a;
  }
  const hex = sum.map((s) => Math.round(weight === 0 ? 0 : s / weight).toString(16).padStart(2, '0')).join('');
  return { thumbhash: Buffer.from(rgbaToThumbHash(width, height, data)).toString('base64'), dominantColor: `#${hex}` };
}
