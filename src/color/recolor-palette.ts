import { SRGB_TO_LINEAR, distanceSquared, linearRgbToOklabInto, type Vec3 } from './oklab.js';

/**
 * The palette of an image for recolouring: weighted k-means in OKLab over a 32-level-per-channel colour
 * histogram (bin means, weighted by pixel count and alpha). Deterministic: seeds are the heaviest bin and
 * then, one at a time, the bin with the largest weight x squared distance to the seeds so far.
 *
 * Kept here rather than taken from the palette extraction of src/color/palette*: recolouring needs
 * exactly this shape (OKLab centres with weights, near-duplicates merged so the RBF system stays well
 * conditioned) and it must run on the worker's raw pixels without another decode.
 */

export interface PaletteCluster {
  lab: Vec3;
  /** Share of the (alpha-weighted) pixels nearest this centre, 0-1. */
  weight: number;
}

export interface HistogramBin {
  lab: Vec3;
  weight: number;
}

const BITS = 5;
const LEVELS = 1 << BITS;
const SHIFT = 8 - BITS;

/**
 * Non-empty bins of a colour histogram of interleaved 8-bit pixels (3 or 4 channels). At most about
 * `maxSamples` pixels are read, evenly spaced, so a 12 MP image costs no more than a small one.
 * Pixels with alpha below 8 are ignored, others count in proportion to their alpha.
 */
export function colorHistogram(data: Uint8Array, channels: 3 | 4, maxSamples = 1 << 18): HistogramBin[] {
  const pixels = Math.floor(data.length / channels);
  const step = Math.max(1, Math.floor(pixels / maxSamples));
  const count = new Float64Array(LEVELS ** 3);
  const sums = new Float64Array(LEVELS ** 3 * 3);
  for (let p = 0; p < pixels; p += step) {
    const i = p * channels;
    const w = channels === 4 ? data[i + 3] / 255 : 1;
    if (channels === 4 && data[i + 3] < 8) continue;
    const r = data[i];
    const g = data[i + 1];
    const b = data[i + 2];
    const bin = ((r >> SHIFT) << (2 * BITS)) | ((g >> SHIFT) << BITS) | (b >> SHIFT);
    count[bin] += w;
    sums[bin * 3] += w * SRGB_TO_LINEAR[r];
    sums[bin * 3 + 1] += w * SRGB_TO_LINEAR[g];
    sums[bin * 3 + 2] += w * SRGB_TO_LINEAR[b];
  }
  const bins: HistogramBin[] = [];
  let total = 0;
  for (let bin = 0; bin < count.length; bin++) total += count[bin];
  if (total === 0) return bins;
  for (let bin = 0; bin < count.length; bin++) {
    const n = count[bin];
    if (n === 0) continue;
    const lab: Vec3 = [0, 0, 0];
    // Mean in linear light: the colour the bin's pixels average to.
    linearRgbToOklabInto(sums[bin * 3] / n, sums[bin * 3 + 1] / n, sums[bin * 3 + 2] / n, lab);
    bins.push({ lab, weight: n / total });
  }
  return bins;
}

/** Weighted k-means over histogram bins; centres sorted by weight, heaviest first. */
export function weightedKMeans(bins: HistogramBin[], k: number, iterations = 24): PaletteCluster[] {
  if (bins.length === 0 || k <= 0) return [];
  const centres = seeds(bins, Math.min(k, bins.length));
  const assignment = new Int32Array(bins.length);
  for (let iter = 0; iter < iterations; iter++) {
    let moved = false;
    for (let i = 0; i < bins.length; i++) {
      const nearest = nearestIndex(centres, bins[i].lab);
      if (nearest !== assignment[i]) moved = true;
      assignment[i] = nearest;
    }
    const sum = centres.map(() => [0, 0, 0, 0]);
    for (let i = 0; i < bins.length; i++) {
      const s = sum[assignment[i]];
      const { lab, weight } = bins[i];
      s[0] += lab[0] * weight;
      s[1] += lab[1] * weight;
      s[2] += lab[2] * weight;
      s[3] += weight;
    }
    for (let c = 0; c < centres.length; c++) {
      const s = sum[c];
      if (s[3] > 0) centres[c] = [s[0] / s[3], s[1] / s[3], s[2] / s[3]];
    }
    if (!moved && iter > 0) break;
  }
  const weights = new Float64Array(centres.length);
  for (let i = 0; i < bins.length; i++) weights[nearestIndex(centres, bins[i].lab)] += bins[i].weight;
  return centres
    .map((lab, c) => ({ lab, weight: weights[c] }))
    .filter((c) => c.weight > 0)
    .sort((a, b) => b.weight - a.weight);
}

/** Merges centres closer than `minDistance` (OKLab) into their weighted mean, heaviest first. */
export function mergeClose(clusters: PaletteCluster[], minDistance: number): PaletteCluster[] {
  const out: PaletteCluster[] = [];
  const min2 = minDistance * minDistance;
  for (const c of clusters) {
    const near = out.find((o) => distanceSquared(o.lab, c.lab) < min2);
    if (!near) {
      out.push({ lab: [...c.lab] as Vec3, weight: c.weight });
      continue;
    }
    const w = near.weight + c.weight;
    for (let j = 0; j < 3; j++) near.lab[j] = (near.lab[j] * near.weight + c.lab[j] * c.weight) / w;
    near.weight = w;
  }
  return out.sort((a, b) => b.weight - a.weight);
}

/** The recolouring palette of some pixels: k clusters, near-duplicates (closer than 0.03) merged. */
export function recolorPalette(data: Uint8Array, channels: 3 | 4, k: number): PaletteCluster[] {
  return mergeClose(weightedKMeans(colorHistogram(data, channels), k), 0.03);
}

function seeds(bins: HistogramBin[], k: number): Vec3[] {
  let heaviest = 0;
  for (let i = 1; i < bins.length; i++) if (bins[i].weight > bins[heaviest].weight) heaviest = i;
  const centres: Vec3[] = [[...bins[heaviest].lab] as Vec3];
  const nearest2 = bins.map((b) => distanceSquared(b.lab, centres[0]));
  while (centres.length < k) {
    let best = -1;
    let bestScore = 0;
    for (let i = 0; i < bins.length; i++) {
      const score = bins[i].weight * nearest2[i];
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (best < 0) break; // every bin coincides with a seed
    const lab = [...bins[best].lab] as Vec3;
    centres.push(lab);
    for (let i = 0; i < bins.length; i++) nearest2[i] = Math.min(nearest2[i], distanceSquared(bins[i].lab, lab));
  }
  return centres;
}

function nearestIndex(centres: Vec3[], lab: Vec3): number {
  let best = 0;
  let bestD = Infinity;
  for (let c = 0; c < centres.length; c++) {
    const d = distanceSquared(centres[c], lab);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}
