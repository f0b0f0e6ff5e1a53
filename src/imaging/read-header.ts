import sharp, { type Metadata } from 'sharp';
import { tooLarge } from '../errors/index.js';
import { fromSharpError, type ErrorContext } from './sharp-error.js';

export interface ImageHeader {
  metadata: Metadata;
  /** Size as displayed, after the EXIF orientation (the frame crop regions refer to). */
  width: number;
  height: number;
  pages: number;
}

/**
 * Reads the header only and enforces the pixel limit from it, before anything is decoded: a small file
 * can declare a huge canvas (a decompression bomb), and refusing it here costs microseconds.
 */
export async function readHeader(input: Buffer, ctx: ErrorContext): Promise<ImageHeader> {
  let metadata: Metadata;
  try {
    // sharp would apply limitInputPixels to the header read too, with a message that names no sizes;
    // the check below says what the image declared.
    metadata = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw fromSharpError(error, ctx);
  }
  const { width, height } = metadata;
  const pages = metadata.pages ?? 1;
  const pixels = width * height * pages;
  if (pixels > ctx.maxInputPixels) {
    const frames = pages > 1 ? ` x ${pages} frames` : '';
    throw tooLarge(ctx.field, `${ctx.maxInputPixels} pixels`, `${width}x${height}${frames} = ${pixels} pixels`, 'PIXEL_LIMIT_EXCEEDED');
  }
  const oriented = metadata.autoOrient ?? { width, height };
  return { metadata, width: oriented.width, height: oriented.height, pages };
}
