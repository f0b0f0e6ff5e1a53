import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { invalidArgument, tooLarge } from '../errors/index.js';
import { avifEffort } from './avif-effort.js';
import { fitToBytes } from './fit-to-bytes.js';
import type { EncodeOptions, OutputOptions } from './image-processor.js';
import { CONTENT_TYPES, type OutputFormat } from './image-formats.js';
import { encode, encodeField, isLossy } from './steps/encode.js';
import type { WireImage } from './task-protocol.js';
import { timeoutSeconds } from './timeout-seconds.js';
import { traceSvg } from './trace-svg.js';

export interface EncodeContext {
  maxOutputDimension: number;
  /** Encoder time one AVIF request may take, ms (see avif-effort.ts). */
  avifBudgetMs: number;
  /** Epoch ms. */
  deadline: number;
}

interface Encoded {
  byteLength: number;
  data: Buffer;
  info: OutputInfo;
}

/** sharp's defaults, reported as the quality used when the caller gave none. */
const DEFAULT_QUALITY: Partial<Record<OutputFormat, number>> = { jpeg: 80, webp: 80, avif: 50 };
/** fitToBytes' encodes for a ceiling of 100: the ceiling, then a binary search of 1-99. */
const SEARCH_ENCODES = 8;

/**
 * The last stage of every pipeline and composite: encodes `image` (its size, when known, lets limits be
 * checked before any encoding) as `output` asks. Throws AppErrors; sharp's own errors are left for the
 * caller's fromSharpError.
 */
export async function encodeOutput(image: Sharp, size: { width: number; height: number } | undefined, output: OutputOptions, ctx: EncodeContext): Promise<WireImage> {
  if (size !== undefined) checkOutputSize(size, ctx.maxOutputDimension);
  if (output.format === 'svg') return traceSvg(image, output, ctx);
  const options = output.format === 'avif' ? await withAvifEffort(image, size, output, ctx) : output;
  const { result, quality } = options.maxBytes === undefined ? await encodeOnce(image, options) : await encodeToFit(image, options, ctx, options.maxBytes);
  checkOutputSize(result.info, ctx.maxOutputDimension);
  return {
    data: result.data,
    format: options.format,
    contentType: CONTENT_TYPES[options.format],
    width: result.info.width,
    height: result.info.height,
    ...(quality !== undefined ? { quality } : {}),
  };
}

function checkOutputSize(size: { width: number; height: number }, max: number): void {
  if (size.width > max || size.height > max) {
    throw tooLarge('output image', `${max} pixels per side`, `${size.width}x${size.height}`, 'OUTPUT_TOO_LARGE');
  }
}

/** The effort the AVIF budget allows; the size, when a step left it unknown, from a render of a clone. */
async function withAvifEffort(image: Sharp, size: { width: number; height: number } | undefined, output: EncodeOptions, ctx: EncodeContext): Promise<EncodeOptions> {
  const known = size ?? (await image.clone().raw().toBuffer({ resolveWithObject: true })).info;
  const effort = avifEffort({
    width: known.width,
    height: known.height,
    lossless: output.lossless === true,
    effort: output.effort,
    encodes: output.maxBytes !== undefined && isLossy(output) ? SEARCH_ENCODES : 1,
    budgetMs: ctx.avifBudgetMs,
    field: `${encodeField(output)}.effort`,
  });
  return { ...output, effort };
}

async function toEncoded(image: Sharp): Promise<Encoded> {
  const { data, info } = await image.toBuffer({ resolveWithObject: true });
  return { byteLength: data.byteLength, data, info };
}

async function encodeOnce(image: Sharp, output: EncodeOptions): Promise<{ result: Encoded; quality?: number }> {
  const result = await toEncoded(encode(image, output));
  return { result, quality: isLossy(output) ? (output.quality ?? DEFAULT_QUALITY[output.format]) : undefined };
}

async function encodeToFit(image: Sharp, output: EncodeOptions, ctx: EncodeContext, maxBytes: number): Promise<{ result: Encoded; quality?: number }> {
  const field = `${encodeField(output)}.max_bytes`;
  if (!isLossy(output)) {
    const { result } = await encodeOnce(image, output);
    if (result.byteLength > maxBytes) {
      throw invalidArgument(field, `at least ${result.byteLength} bytes: ${describe(output)} is lossless here, so quality cannot shrink it`, maxBytes);
    }
    return { result };
  }
  const encodeAt = await candidateEncoder(image, output, ctx);
  let smallest = Infinity;
  const fitted = await fitToBytes(
    async (quality) => {
      const encoded = await encodeAt(quality);
      smallest = Math.min(smallest, encoded.byteLength);
      return encoded;
    },
    maxBytes,
    output.quality ?? 100,
  );
  if (fitted === undefined) {
    throw invalidArgument(field, `at least ${smallest} bytes, the size of this image as ${describe(output)} at quality 1`, maxBytes);
  }
  return fitted;
}

/**
 * Each candidate quality is a full encode. Without metadata to keep, the pipeline (decode, steps) runs
 * once into raw pixels and every candidate encodes from those. Kept EXIF/ICC do not survive raw pixels,
 * so then each candidate re-runs the pipeline from the input instead (sharp's clone()).
 */
async function candidateEncoder(image: Sharp, output: EncodeOptions, ctx: EncodeContext): Promise<(quality: number) => Promise<Encoded>> {
  if (output.keepMetadata) return (quality) => toEncoded(encode(image.clone(), output, quality));
  const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  return (quality) =>
    toEncoded(encode(sharp(data, { raw, limitInputPixels: false }).timeout({ seconds: timeoutSeconds(ctx.deadline) }), output, quality));
}

function describe(output: EncodeOptions): string {
  if (output.format === 'png' && output.palette) return 'palette png';
  if (output.format === 'tiff' && isLossy(output)) return 'jpeg-compressed tiff';
  return output.lossless ? `lossless ${output.format}` : output.format;
}
