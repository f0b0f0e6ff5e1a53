import sharp, { type Metadata } from 'sharp';
import { jpegHeader } from './jpeg-header.js';
import { checkComplete } from './check-complete.js';
import { checkPixels } from './check-pixels.js';
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
 * can declare a huge canvas (a decompression bomb), and refusing it here costs microseconds. Data cut
 * short is refused here too (see check-complete.ts).
 */
export async function readHeader(input: Buffer, ctx: ErrorContext): Promise<ImageHeader> {
  checkComplete(input, ctx.format, ctx.field);
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
  checkPixels(width, height, pages, ctx);
  const oriented = metadata.autoOrient ?? { width, height };
  return { metadata, width: oriented.width, height: oriented.height, pages };
}

/** What a pipeline needs to know of its input before it starts. */
export interface PipelineHeader {
  /** As stored. */
  width: number;
  height: number;
  /** As displayed, after the EXIF orientation. */
  orientedWidth: number;
  orientedHeight: number;
  hasAlpha: boolean;
}

/**
 * readHeader's size, orientation and pixel limit for a pipeline: JPEG's read from its markers in
 * JavaScript (see jpeg-header.ts), anything else (or a JPEG it is unsure of) by sharp.
 */
export async function readPipelineHeader(input: Buffer, ctx: ErrorContext): Promise<PipelineHeader> {
  const jpeg = ctx.format === 'jpeg' ? jpegHeader(input) : undefined;
  if (jpeg) {
    checkComplete(input, ctx.format, ctx.field);
    checkPixels(jpeg.width, jpeg.height, 1, ctx);
    const turned = jpeg.orientation >= 5;
    return {
      width: jpeg.width,
      height: jpeg.height,
      orientedWidth: turned ? jpeg.height : jpeg.width,
      orientedHeight: turned ? jpeg.width : jpeg.height,
      hasAlpha: false,
    };
  }
  const header = await readHeader(input, ctx);
  return { width: header.metadata.width, height: header.metadata.height, orientedWidth: header.width, orientedHeight: header.height, hasAlpha: header.metadata.hasAlpha };
}
