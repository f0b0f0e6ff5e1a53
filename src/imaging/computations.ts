import { invalidArgument } from '../errors/index.js';
import type { InputFormat } from './image-processor.js';
import { decodePixels, type RawPixels } from './decode-pixels.js';
import { readHeader } from './read-header.js';
import { sceneBlend } from './scene-blend.js';
import { analyzeImage } from '../analysis/analyze-image.js';
import { extractPalettes, PALETTE_MAX_SIDE, type PaletteRequest } from '../color/extract-palettes.js';
import type { ErrorContext } from './sharp-error.js';

/** What a computation gets besides the bytes: the sniffed format, limits, deadline. */
export interface ComputationContext extends ErrorContext {
  format: InputFormat;
  maxOutputDimension: number;
  deadline: number;
}

export type { RawPixels };

/** The header read and its pixel limit checked, then the pixels decoded (see decodePixels). */
export async function rawPixels(input: Buffer, ctx: ComputationContext, maxSide: number, keepAlpha = false): Promise<RawPixels> {
  await readHeader(input, ctx);
  return decodePixels(input, ctx, maxSide, keepAlpha);
}

/**
 * A computation reads the image and returns structured-clonable data (never a Buffer it does not own).
 * Adding one: write it in its own module (it runs in the worker), and add one line to COMPUTATIONS.
 */
export type Computation<P, R> = (input: Buffer, params: P, ctx: ComputationContext) => Promise<R>;

/** The mean sRGB colour: the smallest computation, and a template for the others. */
const meanColor: Computation<{ maxSide?: number }, { r: number; g: number; b: number }> = async (input, params, ctx) => {
  const { data } = await rawPixels(input, ctx, params.maxSide ?? 256);
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 3) {
    sum[0] += data[i];
    sum[1] += data[i + 1];
    sum[2] += data[i + 2];
  }
  const n = data.length / 3;
  return { r: sum[0] / n, g: sum[1] / n, b: sum[2] / n };
};

export const COMPUTATIONS = {
  meanColor,
  /** The procedural generator's image-to-image (src/generation/providers/procedural.ts). */
  sceneBlend,
  /** ProcessingService.AnalyzeImage: every requested analysis on one decode (src/analysis/). */
  analyzeImage,
  /** ImageService palettes: every requested palette type from one decode (src/color/extract-palettes.ts). */
  palettes: async (input: Buffer, params: PaletteRequest, ctx: ComputationContext) => extractPalettes(await rawPixels(input, ctx, PALETTE_MAX_SIDE, true), params),
} satisfies Record<string, Computation<never, unknown>>;

export type ComputationName = keyof typeof COMPUTATIONS;
export type ComputationParams<K extends ComputationName> = Parameters<(typeof COMPUTATIONS)[K]>[1];
export type ComputationResult<K extends ComputationName> = Awaited<ReturnType<(typeof COMPUTATIONS)[K]>>;

export function runComputation(kind: string, input: Buffer, params: unknown, ctx: ComputationContext): Promise<unknown> {
  const computation = (COMPUTATIONS as Record<string, Computation<unknown, unknown>>)[kind];
  if (!computation) throw invalidArgument('computation', `one of ${Object.keys(COMPUTATIONS).join(', ')}`, kind);
  return computation(input, params, ctx);
}
