import { LIGHTNESS_WEIGHT, oklabFromClusterSpace, type ColorHistogram } from './color-histogram.js';
import { clusterColors, clusterFrom } from './cluster-colors.js';
import { oklabToSrgb } from './oklab.js';
import { fillDistinct } from './fill-distinct.js';
import { isDistinctFrom, swatchOf, type Swatch } from './swatch.js';

/**
 * The k colours that best represent the image (clusterColors on its histogram), exactly k and pairwise
 * distinct, most common first, each with its share of the pixels. Where two centres round to nearly
 * the same colour, the lighter one is dropped and a new seed placed at the bin the palette serves
 * worst, and clustering runs on; an image with fewer than k distinct colours gets the rest made up as
 * variations of its own colours. Shares are counted last, over the final colours, so they always say
 * which part of the image is nearest each one (0 for a made-up colour no pixel is nearest).
 */
export function dominantColors(h: ColorHistogram, k: number): Swatch[] {
  let clusters = clusterColors(h, k);
  let kept: number[] = [];
  for (let round = 0; round <= k; round++) {
    kept = distinctCenters(clusters.centers, clusters.weights, clusters.k);
    if (kept.length === clusters.k || round === k) break;
    const seeds = new Float64Array(k * 3);
    kept.forEach((c, i) => seeds.set(clusters.centers.subarray(c * 3, c * 3 + 3), i * 3));
    let n = kept.length;
    while (n < k) {
      const worst = worstServedBin(h, seeds, n);
      if (worst < 0) break;
      seeds.set(h.lab.subarray(worst * 3, worst * 3 + 3), n * 3);
      n++;
    }
    if (n === kept.length) break;
    clusters = clusterFrom(h, seeds, n);
  }

  const swatches: Swatch[] = [];
  for (const c of kept) {
    const s = swatchOf(oklabToSrgb(...oklabFromClusterSpace(clusters.centers, c * 3)));
    if (isDistinctFrom(s.lab, swatches)) swatches.push(s);
  }
  const full = fillDistinct(swatches, k, { L: [0.05, 0.98], C: [0, Infinity] });
  assignShares(h, full);
  return full.sort((a, b) => b.proportion - a.proportion);
}

/** Indices of the centres to keep: heaviest first, skipping any too close to one already kept. */
function distinctCenters(centers: Float64Array, weights: Float64Array, k: number): number[] {
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => weights[b] - weights[a]);
  const chosen: Swatch[] = [];
  const kept: number[] = [];
  for (const c of order) {
    if (weights[c] <= 0) continue;
    const s = swatchOf(oklabToSrgb(...oklabFromClusterSpace(centers, c * 3)));
    if (!isDistinctFrom(s.lab, chosen)) continue;
    chosen.push(s);
    kept.push(c);
  }
  return kept;
}

/** The bin with the largest weighted squared distance to its nearest seed; -1 if every bin sits on a seed. */
function worstServedBin(h: ColorHistogram, seeds: Float64Array, n: number): number {
  let worst = -1;
  let worstCost = 1e-9;
  for (let i = 0; i < h.size; i++) {
    let best = Infinity;
    for (let c = 0; c < n; c++) {
      const d0 = h.lab[i * 3] - seeds[c * 3], d1 = h.lab[i * 3 + 1] - seeds[c * 3 + 1], d2 = h.lab[i * 3 + 2] - seeds[c * 3 + 2];
      best = Math.min(best, d0 * d0 + d1 * d1 + d2 * d2);
    }
    const cost = h.weight[i] * best;
    if (cost > worstCost) {
      worstCost = cost;
      worst = i;
    }
  }
  return worst;
}

/** Each swatch's share of the pixels whose (bin's) nearest palette colour it is, in the clustering space. */
function assignShares(h: ColorHistogram, swatches: Swatch[]): void {
  const counts = new Float64Array(swatches.length);
  const points = swatches.map((s) => [s.lab[0] * LIGHTNESS_WEIGHT, s.lab[1], s.lab[2]]);
  for (let i = 0; i < h.size; i++) {
    let best = 0;
    let bestD = Infinity;
    for (let c = 0; c < points.length; c++) {
      const p = points[c];
      const d0 = h.lab[i * 3] - p[0], d1 = h.lab[i * 3 + 1] - p[1], d2 = h.lab[i * 3 + 2] - p[2];
      const d = d0 * d0 + d1 * d1 + d2 * d2;
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    counts[best] += h.weight[i];
  }
  swatches.forEach((s, c) => (s.proportion = h.total > 0 ? counts[c] / h.total : 0));
}
