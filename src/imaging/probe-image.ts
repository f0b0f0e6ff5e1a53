import sharp from 'sharp';
import type { ProbeResult } from './image-processor.js';
import { CONTENT_TYPES, type InputFormat } from './image-formats.js';
import { readHeader } from './read-header.js';
import { fromSharpError, type ErrorContext } from './sharp-error.js';
import { timeoutSeconds } from './timeout-seconds.js';

/**
 * Worker side of ImageProcessor.probe: header, pixel limit, then a full decode of every frame so that
 * truncated or corrupt data is refused before anything is stored, under the deadline.
 */
export async function probeImage(input: Buffer, format: InputFormat, ctx: ErrorContext & { deadline: number }): Promise<ProbeResult> {
  const header = await readHeader(input, ctx);
  const { metadata } = header;
  try {
    // A pipeline rather than stats(): sharp's timeout only stops pipelines, and stats() spent seconds on
    // its sums (4.4 s for a flat 100 MP JPEG, against 0.25 s for this decode). Extracting the whole frame
    // turns shrink-on-load off, so every pixel of every frame is decoded at full size. Each row is shrunk
    // to one pixel: the raster never sits in memory (400 MB for 100 MP RGBA), and the output keeps one
    // row per input row, because sharp checks its timeout as output rows are made (a few-pixel output
    // would be checked only once, at the end).
    const frameHeight = metadata.pageHeight ?? metadata.height;
    await sharp(input, { limitInputPixels: ctx.maxInputPixels, failOn: 'truncated', pages: -1 })
      .timeout({ seconds: timeoutSeconds(ctx.deadline) })
      .extract({ left: 0, top: 0, width: metadata.width, height: frameHeight })
      .resize({ width: 1, height: frameHeight, fit: 'fill' })
      .raw()
      .toBuffer();
  } catch (error) {
    throw fromSharpError(error, ctx);
  }
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
