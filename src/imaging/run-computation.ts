import { invalidArgument } from '../errors/index.js';
import { decodePixels, type RawPixels } from './decode-pixels.js';
import { readHeader } from './read-header.js';
import { sceneBlend } from './scene-blend.js';
import { analyzeImage } from '../analysis/analyze-image.js';
import { extractPalettes, PALETTE_MAX_SIDE } from '../color/extract-palettes.js';
import { placeholderOf, PLACEHOLDER_MAX_SIDE } from './placeholder.js';
import type { Computation, ComputationContext } from './computation-context.js';
import type { ComputationName, ComputationParams, ComputationResult } from './computation-types.js';

/** The header read and its pixel limit checked, then the pixels decoded (see decodePixels). */
async function rawPixels(input: Buffer, ctx: ComputationContext, maxSide: number, keepAlpha = false): Promise<RawPixels> {
  await readHeader(input, ctx);
  return decodePixels(input, ctx, maxSide, keepAlpha);
}

const meanColor: Computation<ComputationParams<'meanColor'>, ComputationResult<'meanColor'>> = async (input, params, ctx) => {
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

/** The worker's table: one line per computation of computation-types.ts, which the compiler holds complete. */
const COMPUTATIONS: { [K in ComputationName]: Computation<ComputationParams<K>, ComputationResult<K>> } = {
  meanColor,
  sceneBlend,
  analyzeImage,
  palettes: async (input, params, ctx) => extractPalettes(await rawPixels(input, ctx, PALETTE_MAX_SIDE, true), params),
  placeholder: async (input, _params, ctx) => placeholderOf(await rawPixels(input, ctx, PLACEHOLDER_MAX_SIDE, true)),
};

/** Runs a computation by name in the worker (worker.ts). */
export function runComputation(kind: string, input: Buffer, params: unknown, ctx: ComputationContext): Promise<unknown> {
  const computation = (COMPUTATIONS as Record<string, Computation<unknown, unknown>>)[kind];
  if (!computation) throw invalidArgument('computation', `one of ${Object.keys(COMPUTATIONS).join(', ')}`, kind);
  return computation(input, params, ctx);
}
