import type { PaletteTypeName } from '../domain/palette-record.js';
import { clusterColors } from './cluster-colors.js';
import { colorHistogram, oklabFromClusterSpace, type ColorHistogram, type PixelSource } from './color-histogram.js';
import { dominantColors } from './dominant-colors.js';
import { harmonyBase, harmonyColors } from './harmonies.js';
import { oklabToSrgb, type Vec3 } from './oklab.js';
import { roleColors } from './palette-roles.js';
import { isHarmony, isRole } from './palette-types.js';
import { swatchOf, type Swatch } from './swatch.js';

/** Images are shrunk to fit this many pixels on the long side before extraction. */
export const PALETTE_MAX_SIDE = 400;

export interface PaletteRequest {
  /** 1 to 16. */
  numColors: number;
  /** Any types but 'theme', each once. */
  types: readonly PaletteTypeName[];
}

/** A palette colour as extraction gives it: sRGB bytes and pixel share (0 where it does not apply). */
export interface ExtractedColor {
  rgb: Vec3;
  proportion: number;
}

/**
 * One palette per requested type, in the order asked, each of exactly `numColors` distinct colours.
 * The image is read once: one histogram; the dominant palette when any type needs it (harmonies start
 * from its first chromatic colour); one larger candidate set when any vibrant/muted/dark/light/pastel
 * palette is asked, each picked from it. Pure and synchronous: it runs in a worker (the `palettes`
 * computation) and, for the benchmark, on the main thread on the same pixels.
 */
export function extractPalettes(pixels: PixelSource, request: PaletteRequest): ExtractedColor[][] {
  const { numColors, types } = request;
  if (!Number.isInteger(numColors) || numColors < 1 || numColors > 16) throw new RangeError(`numColors: expected 1 to 16, received ${numColors}`);
  const histogram = colorHistogram(pixels);
  let dominant: Swatch[] | undefined;
  let candidates: Swatch[] | undefined;
  const getDominant = () => (dominant ??= dominantColors(histogram, numColors));
  const getCandidates = () => (candidates ??= candidateColors(histogram, Math.min(32, Math.max(16, 2 * numColors))));
  return types.map((type) => {
    let swatches: Swatch[];
    if (type === 'dominant') swatches = getDominant();
    else if (isRole(type)) swatches = roleColors(getCandidates(), type, numColors);
    else if (isHarmony(type)) swatches = harmonyColors(harmonyBase(getDominant()), type, numColors);
    else throw new RangeError(`palette type ${type} is not extracted from images`);
    return swatches.map(({ rgb, proportion }) => ({ rgb, proportion }));
  });
}

/** The dominant palette alone: what the benchmark measures. */
export function extractDominant(pixels: PixelSource, numColors: number): ExtractedColor[] {
  return extractPalettes(pixels, { numColors, types: ['dominant'] })[0];
}

/** k clusters as colours with their pixel shares: what the role palettes choose from. */
function candidateColors(h: ColorHistogram, k: number): Swatch[] {
  const clusters = clusterColors(h, k);
  const out: Swatch[] = [];
  for (let c = 0; c < clusters.k; c++) {
    if (clusters.weights[c] <= 0) continue;
    out.push(swatchOf(oklabToSrgb(...oklabFromClusterSpace(clusters.centers, c * 3)), h.total > 0 ? clusters.weights[c] / h.total : 0));
  }
  return out;
}
