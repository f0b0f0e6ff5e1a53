import sharp, { type Sharp } from 'sharp';
import { timeoutSeconds } from '../timeout-seconds.js';

/** Rendered 8-bit pixels, interleaved, RGB or RGBA (alpha last, not premultiplied). */
export interface RawPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

/**
 * Renders a pipeline to 8-bit RGB(A). sharp gives sRGB (its default output colourspace) with 3 or 4
 * channels; one- and two-channel results (a greyscale() call leaves those) are widened here.
 */
export async function renderPixels(image: Sharp): Promise<RawPixels> {
  const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  if (channels === 3 || channels === 4) return { data, width, height, channels };
  if (channels !== 1 && channels !== 2) throw new Error(`cannot work on ${String(channels)}-channel pixels`);
  const alpha = channels === 2;
  const out = Buffer.allocUnsafe(width * height * (alpha ? 4 : 3));
  for (let i = 0, o = 0; i < data.length; i += channels) {
    const v = data[i];
    out[o++] = v;
    out[o++] = v;
    out[o++] = v;
    if (alpha) out[o++] = data[i + 1];
  }
  return { data: out, width, height, channels: alpha ? 4 : 3 };
}

/** A new pipeline reading `pixels` (or a one-channel plane), with the time left to the deadline as its timeout. */
export function sharpFromPixels(pixels: Omit<RawPixels, 'channels'> & { channels: 1 | 3 | 4 }, deadline: number): Sharp {
  const { width, height, channels } = pixels;
  // Our own intermediate, already bounded by the input limit and maxOutputDimension.
  return sharp(pixels.data, { raw: { width, height, channels }, limitInputPixels: false }).timeout({ seconds: timeoutSeconds(deadline) });
}

/** The colour channels alone (a copy without alpha), or the pixels themselves when there is no alpha. */
function colourBands(pixels: RawPixels): RawPixels {
  if (pixels.channels === 3) return pixels;
  const { data, width, height } = pixels;
  const out = Buffer.allocUnsafe(width * height * 3);
  for (let i = 0, o = 0; i < data.length; i += 4, o += 3) {
    out[o] = data[i];
    out[o + 1] = data[i + 1];
    out[o + 2] = data[i + 2];
  }
  return { data: out, width, height, channels: 3 };
}

/** `colour`'s RGB with the alpha of `original`: a step that worked on colourBands gets its alpha back. */
function withAlphaOf(colour: Buffer, original: RawPixels): RawPixels {
  if (original.channels === 3) return { ...original, data: colour };
  const { data } = original;
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0, c = 0; i < data.length; i += 4, c += 3) {
    out[i] = colour[c];
    out[i + 1] = colour[c + 1];
    out[i + 2] = colour[c + 2];
    out[i + 3] = data[i + 3];
  }
  return { ...original, data: out };
}

/** Runs sharp operations on the colour channels of `pixels` (alpha kept as it was). */
export async function withSharpOnColour(pixels: RawPixels, deadline: number, operate: (image: Sharp) => Sharp): Promise<RawPixels> {
  const colour = colourBands(pixels);
  const { data, info } = await operate(sharpFromPixels(colour, deadline)).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== pixels.width || info.height !== pixels.height) {
    throw new Error(`expected ${pixels.width}x${pixels.height} RGB from sharp, got ${info.width}x${info.height}x${info.channels}`);
  }
  return withAlphaOf(data, pixels);
}

/** Applies a 256-entry table to every colour channel, in place. */
export function mapColour(pixels: RawPixels, table: Uint8Array): RawPixels {
  const { data, channels } = pixels;
  if (channels === 3) {
    for (let i = 0; i < data.length; i++) data[i] = table[data[i]];
  } else {
    for (let i = 0; i < data.length; i += 4) {
      data[i] = table[data[i]];
      data[i + 1] = table[data[i + 1]];
      data[i + 2] = table[data[i + 2]];
    }
  }
  return pixels;
}

/**
 * Rec.709 luma of 8-bit R'G'B' times 10000, in integers: (2126 r + 7152 g + 722 b). Grey (r = g = b = v)
 * gives exactly v * 10000.
 */
export const LUMA_R = 2126;
export const LUMA_G = 7152;
export const LUMA_B = 722;
