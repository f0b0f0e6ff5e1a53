import type { PaletteColorRecord } from '../domain/palette-record.js';
import type { ColorNamer } from '../color/color-names.js';
import { extractDominant } from '../color/extract-palettes.js';
import { SRGB_TO_LINEAR, type Vec3 } from '../color/oklab.js';
import { paletteColor } from '../color/palette-color.js';
import { byteToOklab, linearToSrgb } from '../color/recolor-transfer.js';
import type { Rgba } from './plane.js';

export interface ColorAnalysisResult {
  dominant: PaletteColorRecord[];
  average: PaletteColorRecord;
  colorfulness: number;
  isGrayscale: boolean;
}

const NO_NAMES: ColorNamer = { name: () => '', size: 0 };

/** Dominant colours reported. */
const DOMINANT_COLORS = 5;
/** OKLab chroma below which a pixel counts as grey (about one just-noticeable difference). */
const GREY_CHROMA = 0.02;

/**
 * Colour statistics on the analysis decode (pixels weighted by alpha where there is one):
 * - dominant: up to 5 colours with their shares, as the DOMINANT palette extracts them (weighted k-means
 *   in OKLab over a colour histogram, src/color/extract-palettes.ts), colours no pixel is nearest left out;
 * - average: the mean colour, averaged in linear light;
 * - colourfulness: Hasler and Suesstrunk (2003), M = sigma_rgyb + 0.3 mu_rgyb with rg = R - G and
 *   yb = (R + G) / 2 - B on 0-255 values;
 * - grayscale: no pixel has meaningful chroma, read as at least 99.9% of the pixels (so a few stray
 *   compression artefacts do not count) below OKLab chroma 0.02.
 * Colour names are left empty here (the worker has no namer loaded): AnalysisService fills them in.
 */
export function colorAnalysis(image: Rgba): ColorAnalysisResult {
  const { data, channels } = image;
  const dominant = extractDominant(image, DOMINANT_COLORS)
    .filter((c) => c.proportion > 0)
    .map((c) => paletteColor(c.rgb, c.proportion, NO_NAMES));

  let weightSum = 0;
  const linear = [0, 0, 0];
  let sumRg = 0;
  let sumYb = 0;
  let sumRg2 = 0;
  let sumYb2 = 0;
  let coloured = 0;
  const lab: Vec3 = [0, 0, 0];
  for (let i = 0; i < data.length; i += channels) {
    const w = channels === 4 ? data[i + 3] / 255 : 1;
    if (w === 0) continue;
    const r = data[i];
    const g = data[i + 1];
    const b = data[i + 2];
    weightSum += w;
    linear[0] += w * SRGB_TO_LINEAR[r];
    linear[1] += w * SRGB_TO_LINEAR[g];
    linear[2] += w * SRGB_TO_LINEAR[b];
    const rg = r - g;
    const yb = (r + g) / 2 - b;
    sumRg += w * rg;
    sumYb += w * yb;
    sumRg2 += w * rg * rg;
    sumYb2 += w * yb * yb;
    if (r !== g || g !== b) {
      byteToOklab(r, g, b, lab);
      if (lab[1] * lab[1] + lab[2] * lab[2] >= GREY_CHROMA * GREY_CHROMA) coloured += w;
    }
  }
  if (weightSum === 0) {
    return { dominant, average: paletteColor([0, 0, 0], 1, NO_NAMES), colorfulness: 0, isGrayscale: true };
  }
  const averageRgb = linear.map((c) => linearToSrgb(c / weightSum) * 255) as Vec3;
  const muRg = sumRg / weightSum;
  const muYb = sumYb / weightSum;
  const sigmaRg2 = Math.max(0, sumRg2 / weightSum - muRg * muRg);
  const sigmaYb2 = Math.max(0, sumYb2 / weightSum - muYb * muYb);
  const colorfulness = Math.sqrt(sigmaRg2 + sigmaYb2) + 0.3 * Math.sqrt(muRg * muRg + muYb * muYb);
  const averageBytes = averageRgb.map((c) => Math.round(c)) as Vec3;
  return {
    dominant,
    average: paletteColor(averageBytes, 1, NO_NAMES),
    colorfulness: round4(colorfulness),
    isGrayscale: coloured / weightSum < 0.001,
  };
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
