import sharp from 'sharp';
import { fromSharpError, type ErrorContext } from './sharp-error.js';
import { timeoutSeconds } from './timeout-seconds.js';

/** Decoded sRGB pixels, `channels` interleaved bytes per pixel. */
export interface RawPixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

/**
 * The image decoded (orientation applied, converted to sRGB) and shrunk to fit maxSide on its longer
 * side (never enlarged). Alpha is kept only when asked for. The caller has already read the header and
 * checked the pixel limit.
 */
export async function decodePixels(input: Buffer, ctx: ErrorContext & { deadline: number }, maxSide: number, keepAlpha = false): Promise<RawPixels> {
  try {
    let image = sharp(input, { limitInputPixels: ctx.maxInputPixels, failOn: 'truncated', autoOrient: true })
      .timeout({ seconds: timeoutSeconds(ctx.deadline) })
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb');
    image = keepAlpha ? image.ensureAlpha() : image.removeAlpha();
    const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: keepAlpha ? 4 : 3 };
  } catch (error) {
    throw fromSharpError(error, ctx);
  }
}
