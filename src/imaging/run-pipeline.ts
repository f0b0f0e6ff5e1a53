import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { invalidArgument, tooLarge } from '../errors/index.js';
import { fitToBytes } from './fit-to-bytes.js';
import { CONTENT_TYPES, type EncodeOptions, type InputFormat, type OutputFormat, type PipelineSpec } from './image-processor.js';
import { readHeader } from './read-header.js';
import { fromSharpError, type ErrorContext } from './sharp-error.js';
import { applySteps } from './steps/apply-steps.js';
import { ENCODE_FIELD, encode, isLossy } from './steps/encode.js';
import type { WireImage } from './task-protocol.js';
import { timeoutSeconds } from './timeout-seconds.js';

export interface RunContext extends ErrorContext {
  maxOutputDimension: number;
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
const OUTPUT_FORMATS: ReadonlySet<InputFormat> = new Set(['png', 'jpeg', 'webp', 'avif', 'tiff', 'gif']);

/** Worker side of ImageProcessor.run: header and limits, the steps, then the encoding. */
export async function runPipeline(input: Buffer, spec: PipelineSpec, ctx: RunContext): Promise<WireImage> {
  const header = await readHeader(input, ctx);
  const orient = spec.autoOrient !== false || spec.steps.some((s) => s.op === 'autoOrient');
  const output: EncodeOptions = spec.output ?? { format: OUTPUT_FORMATS.has(ctx.format) ? (ctx.format as OutputFormat) : 'png' };
  try {
    const image = sharp(input, { limitInputPixels: ctx.maxInputPixels, failOn: 'truncated', autoOrient: orient }).timeout({
      seconds: timeoutSeconds(ctx.deadline),
    });
    const size = orient ? { width: header.width, height: header.height } : { width: header.metadata.width, height: header.metadata.height };
    const state = await applySteps(
      { image, size, used: new Set(), maxOutputDimension: ctx.maxOutputDimension, deadline: ctx.deadline },
      spec.steps,
    );
    // Refuse before encoding when the size is already known; the encoded size is checked regardless.
    if (state.size !== undefined) checkOutputSize(state.size, ctx.maxOutputDimension);
    const { result, quality } = output.maxBytes === undefined ? await encodeOnce(state.image, output) : await encodeToFit(state.image, output, ctx, output.maxBytes);
    checkOutputSize(result.info, ctx.maxOutputDimension);
    return {
      data: result.data,
      format: output.format,
      contentType: CONTENT_TYPES[output.format],
      width: result.info.width,
      height: result.info.height,
      ...(quality !== undefined ? { quality } : {}),
    };
  } catch (error) {
    throw fromSharpError(error, ctx);
  }
}

async function toEncoded(image: Sharp): Promise<Encoded> {
  const { data, info } = await image.toBuffer({ resolveWithObject: true });
  return { byteLength: data.byteLength, data, info };
}

async function encodeOnce(image: Sharp, output: EncodeOptions): Promise<{ result: Encoded; quality?: number }> {
  const result = await toEncoded(encode(image, output));
  return { result, quality: isLossy(output) ? (output.quality ?? DEFAULT_QUALITY[output.format]) : undefined };
}

async function encodeToFit(image: Sharp, output: EncodeOptions, ctx: RunContext, maxBytes: number): Promise<{ result: Encoded; quality?: number }> {
  const field = `${ENCODE_FIELD}.max_bytes`;
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
async function candidateEncoder(image: Sharp, output: EncodeOptions, ctx: RunContext): Promise<(quality: number) => Promise<Encoded>> {
  if (output.keepMetadata) return (quality) => toEncoded(encode(image.clone(), output, quality));
  const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  return (quality) =>
    toEncoded(encode(sharp(data, { raw, limitInputPixels: false }).timeout({ seconds: timeoutSeconds(ctx.deadline) }), output, quality));
}

function checkOutputSize(size: { width: number; height: number }, max: number): void {
  if (size.width > max || size.height > max) {
    throw tooLarge('output image', `${max} pixels per side`, `${size.width}x${size.height}`, 'OUTPUT_TOO_LARGE');
  }
}

function describe(output: EncodeOptions): string {
  return output.lossless ? `lossless ${output.format}` : output.format;
}
