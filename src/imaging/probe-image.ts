import sharp from 'sharp';
import type { ProbeResult } from './image-processor.js';
import { CONTENT_TYPES, type InputFormat } from './image-formats.js';
import { readHeader } from './read-header.js';
import { fromSharpError, type ErrorContext } from './sharp-error.js';

/**
 * Worker side of ImageProcessor.probe: header, pixel limit, then a full decode of every frame so that
 * truncated or corrupt data is refused before anything is stored.
 */
export async function probeImage(input: Buffer, format: InputFormat, ctx: ErrorContext): Promise<ProbeResult> {
  const header = await readHeader(input, ctx);
  try {
    // stats() decodes every pixel through a libvips sink, tile by tile, so it proves the data decodes
    // without allocating the whole raster (toBuffer() would hold 400 MB for 100 MP RGBA).
    await sharp(input, { limitInputPixels: ctx.maxInputPixels, failOn: 'truncated', pages: -1 }).stats();
  } catch (error) {
    throw fromSharpError(error, ctx);
  }
  const { metadata } = header;
  return {
    format,
    contentType: CONTENT_TYPES[format],
    width: header.width,
    height: header.height,
    pages: header.pages,
    hasAlpha: metadata.hasAlpha,
    ...(metadata.orientation !== undefined ? { orientation: metadata.orientation } : {}),
    channels: metadata.channels,
    space: metadata.space,
    hasIcc: metadata.hasProfile,
    hasExif: metadata.exif !== undefined && metadata.exif.length > 0,
  };
}
