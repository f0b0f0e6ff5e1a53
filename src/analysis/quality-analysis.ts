import { clamp01, lumaPlane, resized, type Plane, type Rgba } from './plane.js';

export interface QualityAnalysisResult {
  sharpness: number;
  noise: number;
  exposure: { mean: number; clippedShadows: number; clippedHighlights: number };
  contrast: number;
  entropy: number;
  overallScore: number;
}

/** Long side at which sharpness is measured: the variance of the Laplacian depends on scale. */
const SHARPNESS_SIDE = 512;

/**
 * Technical quality of a photo, on the analysis decode (at most 1024 px on the long side):
 * - sharpness: variance of the 4-neighbour Laplacian of the luma at 512 px on the long side (images
 *   smaller than that at their own size);
 * - noise: Immerkaer's (1996) fast sigma estimate, sqrt(pi/2) / (6 (W-2) (H-2)) x sum |I * N| with the
 *   mask N = [1 -2 1; -2 4 -2; 1 -2 1], on the luma at the analysis size, in 0-255 units;
 * - exposure: mean luma 0-1, and the shares at or below 4 and at or above 251;
 * - contrast: RMS contrast, the standard deviation of luma / 255;
 * - entropy: Shannon entropy of the 256-bin luma histogram, bits;
 * - overall score, 0-100: the geometric mean of sub-scores (weights in OVERALL_WEIGHTS), so any one
 *   poor aspect pulls it down: sharpness (log scale, 20 → 0, 2000 → 1), noise (sigma 1.5 → 1, 12 → 0),
 *   blockiness (8x8 JPEG grid strength, 1.0 → 1, 1.6 → 0), exposure (mean away from mid-grey, clipping),
 *   contrast (RMS 0.04 → 0, 0.18 → 1) and entropy (3 → 0, 7 → 1 bits).
 */
export async function qualityAnalysis(image: Rgba, jpegQualityEstimate?: number): Promise<QualityAnalysisResult> {
  const luma = lumaPlane(image);
  const small = image.width > SHARPNESS_SIDE || image.height > SHARPNESS_SIDE ? lumaPlane(await resized(image, SHARPNESS_SIDE)) : luma;
  const sharpness = laplacianVariance(small);
  const noise = immerkaerNoise(luma);
  // The Laplacian of white noise of sigma s has variance 20 s^2: what is left is the image's own detail.
  const detail = Math.max(0, sharpness - 20 * immerkaerNoise(small) ** 2);
  const blockiness = blockinessRatio(luma);
  const { mean, std, clippedShadows, clippedHighlights, entropy } = lumaStatistics(luma);
  const exposure = { mean, clippedShadows, clippedHighlights };
  const contrast = std;
  const scores = {
    sharpness: clamp01((Math.log10(Math.max(detail, 1e-6)) - Math.log10(20)) / 2),
    noise: clamp01(1 - (noise - 1) / 7),
    compression: Math.min(clamp01(1 - (blockiness - 1.05) / 0.5), jpegQualityEstimate === undefined ? 1 : clamp01((jpegQualityEstimate - 15) / 45)),
    exposure: clamp01(1 - 2.2 * Math.max(0, Math.abs(mean - 0.47) - 0.12)) * clamp01(1 - 3 * Math.max(0, clippedShadows - 0.02)) * clamp01(1 - 3 * Math.max(0, clippedHighlights - 0.02)),
    contrast: clamp01((contrast - 0.04) / 0.14),
    entropy: clamp01((entropy - 3) / 4),
  };
  let logSum = 0;
  let weightSum = 0;
  for (const [key, weight] of Object.entries(OVERALL_WEIGHTS)) {
    logSum += weight * Math.log(0.02 + 0.98 * scores[key as keyof typeof scores]);
    weightSum += weight;
  }
  const overallScore = Math.round(1000 * Math.exp(logSum / weightSum)) / 10;
  return { sharpness, noise, exposure, contrast, entropy, overallScore };
}

const OVERALL_WEIGHTS = { sharpness: 3, noise: 3, compression: 2, exposure: 2, contrast: 1, entropy: 1 };

export function laplacianVariance(plane: Plane): number {
  const { data, width, height } = plane;
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1, i = y * width + 1; x < width - 1; x++, i++) {
      const v = data[i - 1] + data[i + 1] + data[i - width] + data[i + width] - 4 * data[i];
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

export function immerkaerNoise(plane: Plane): number {
  const { data, width, height } = plane;
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1, i = y * width + 1; x < width - 1; x++, i++) {
      const up = i - width;
      const down = i + width;
      const v =
        data[up - 1] - 2 * data[up] + data[up + 1] - 2 * data[i - 1] + 4 * data[i] - 2 * data[i + 1] + data[down - 1] - 2 * data[down] + data[down + 1];
      sum += Math.abs(v);
    }
  }
  return (Math.sqrt(Math.PI / 2) * sum) / (6 * (width - 2) * (height - 2));
}

/**
 * JPEG blocking: the mean absolute luma step across 8-pixel grid lines over the mean step elsewhere,
 * at the best of the 8x8 grid phases (1 for no grid). Only meaningful while the grid survives scaling,
 * that is for images analysed at their own size or shrunk by a whole factor; otherwise about 1.
 */
export function blockinessRatio(plane: Plane): number {
  const { data, width, height } = plane;
  if (width < 16 || height < 16) return 1;
  const columnSteps = new Float64Array(8);
  const rowSteps = new Float64Array(8);
  for (let y = 0; y < height; y++) {
    for (let x = 1, i = y * width + 1; x < width; x++, i++) columnSteps[x & 7] += Math.abs(data[i] - data[i - 1]);
  }
  for (let y = 1; y < height; y++) {
    for (let x = 0, i = y * width; x < width; x++, i++) rowSteps[y & 7] += Math.abs(data[i] - data[i - width]);
  }
  const ratio = (steps: Float64Array) => {
    let best = 1;
    const total = steps.reduce((s, v) => s + v, 0);
    for (let phase = 0; phase < 8; phase++) {
      // A grid on flat blocks has no steps elsewhere at all: cap the ratio instead of dividing by 0.
      const others = Math.max((total - steps[phase]) / 7, total * 1e-3);
      if (others > 0) best = Math.max(best, Math.min(10, steps[phase] / others));
    }
    return best;
  };
  return (ratio(columnSteps) + ratio(rowSteps)) / 2;
}

export function lumaStatistics(plane: Plane): { mean: number; std: number; clippedShadows: number; clippedHighlights: number; entropy: number } {
  const { data } = plane;
  const histogram = new Float64Array(256);
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    sum += v;
    sumSq += v * v;
    histogram[Math.min(255, Math.max(0, Math.round(v)))]++;
  }
  const n = data.length;
  const mean = sum / n;
  const std = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
  let shadows = 0;
  let highlights = 0;
  let entropy = 0;
  for (let v = 0; v < 256; v++) {
    const p = histogram[v] / n;
    if (v <= 4) shadows += p;
    if (v >= 251) highlights += p;
    if (p > 0) entropy -= p * Math.log2(p);
  }
  return { mean: mean / 255, std: std / 255, clippedShadows: shadows, clippedHighlights: highlights, entropy };
}
