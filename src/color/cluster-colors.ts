import type { ColorHistogram } from './color-histogram.js';

/** Cluster centres in the histogram's space (3 per cluster) with the pixel count each one holds. */
export interface Clusters {
  centers: Float64Array;
  weights: Float64Array;
  /** Clusters found: k, or fewer when the histogram has fewer populated bins. */
  k: number;
}

interface Box {
  start: number;
  end: number;
  sse: number;
}

// Lloyd iterations (squared error) before the median refinement, and refinement steps after.
const MEAN_ITERATIONS = 10;
const MEDIAN_ITERATIONS = 15;
// Distance floor in the median steps, so a bin sitting on its centre does not get infinite weight.
const MEDIAN_EPSILON = 0.002;

/**
 * Weighted clustering of the histogram bins. Seeded by variance splitting (in the manner of Wu's
 * quantizer: repeatedly cut the cluster with the largest squared error across its principal axis
 * where the cut leaves the least), which is deterministic and starts close to a good optimum; then
 * k-means (Lloyd) iterations; then iteratively reweighted steps (Weiszfeld) that move each centre
 * toward the weighted geometric median of its bins. The last step matters because palettes are judged
 * by the mean colour difference of the pixels, not the mean squared one: the median is the centre
 * that minimises the former, and it keeps a few outlying pixels from dragging a colour off.
 */
export function clusterColors(h: ColorHistogram, k: number): Clusters {
  const seeds = varianceSplit(h, k);
  return clusterFrom(h, seeds.centers, seeds.k);
}

/** k-means then the median steps, from the given seeds. */
export function clusterFrom(h: ColorHistogram, seeds: Float64Array, k: number): Clusters {
  const means = lloyd(h, seeds, k, MEAN_ITERATIONS, false);
  return lloyd(h, means.centers, k, MEDIAN_ITERATIONS, true);
}

/** Means of the boxes found by splitting the largest-error box until there are k (or no box splits). */
function varianceSplit(h: ColorHistogram, k: number): Clusters {
  const order = new Int32Array(h.size);
  for (let i = 0; i < h.size; i++) order[i] = i;
  const boxes: Box[] = [{ start: 0, end: h.size, sse: boxSse(h, order, 0, h.size) }];
  const proj = new Float64Array(h.size);
  while (boxes.length < k) {
    let best = -1;
    for (let i = 0; i < boxes.length; i++) {
      const b = boxes[i];
      if (b.end - b.start >= 2 && b.sse > 1e-12 && (best < 0 || b.sse > boxes[best].sse)) best = i;
    }
    if (best < 0) break;
    const [left, right] = splitBox(h, order, proj, boxes[best]);
    boxes[best] = left;
    boxes.push(right);
  }
  const centers = new Float64Array(boxes.length * 3);
  const weights = new Float64Array(boxes.length);
  boxes.forEach((b, c) => {
    let w = 0;
    for (let i = b.start; i < b.end; i++) {
      const p = order[i];
      const wp = h.weight[p];
      w += wp;
      centers[c * 3] += wp * h.lab[p * 3];
      centers[c * 3 + 1] += wp * h.lab[p * 3 + 1];
      centers[c * 3 + 2] += wp * h.lab[p * 3 + 2];
    }
    weights[c] = w;
    for (let d = 0; d < 3; d++) centers[c * 3 + d] /= w;
  });
  return { centers, weights, k: boxes.length };
}

function boxSse(h: ColorHistogram, order: Int32Array, start: number, end: number): number {
  let w = 0, s0 = 0, s1 = 0, s2 = 0, q = 0;
  for (let i = start; i < end; i++) {
    const p = order[i];
    const wp = h.weight[p];
    const x = h.lab[p * 3], y = h.lab[p * 3 + 1], z = h.lab[p * 3 + 2];
    w += wp;
    s0 += wp * x;
    s1 += wp * y;
    s2 += wp * z;
    q += wp * (x * x + y * y + z * z);
  }
  return w > 0 ? q - (s0 * s0 + s1 * s1 + s2 * s2) / w : 0;
}

// Projections onto the principal axis are bucketed for choosing the cut: k-means refines it anyway,
// and bucketing makes a split linear in the box's size instead of a sort.
const CUT_BUCKETS = 256;

/** Cuts a box across its principal axis at the point that leaves the least total squared error. */
function splitBox(h: ColorHistogram, order: Int32Array, proj: Float64Array, box: Box): [Box, Box] {
  const { start, end } = box;
  const axis = principalAxis(h, order, start, end);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = start; i < end; i++) {
    const p = order[i];
    const v = axis[0] * h.lab[p * 3] + axis[1] * h.lab[p * 3 + 1] + axis[2] * h.lab[p * 3 + 2];
    proj[p] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // Moments per bucket (weight, weighted sum per coordinate, weighted sum of squares).
  const m = new Float64Array(CUT_BUCKETS * 5);
  const scale = hi > lo ? (CUT_BUCKETS - 1e-9) / (hi - lo) : 0;
  for (let i = start; i < end; i++) {
    const p = order[i];
    const o = Math.floor((proj[p] - lo) * scale) * 5;
    const w = h.weight[p];
    const x = h.lab[p * 3], y = h.lab[p * 3 + 1], z = h.lab[p * 3 + 2];
    m[o] += w; m[o + 1] += w * x; m[o + 2] += w * y; m[o + 3] += w * z; m[o + 4] += w * (x * x + y * y + z * z);
  }
  let tw = 0, t0 = 0, t1 = 0, t2 = 0, tq = 0;
  for (let b = 0; b < CUT_BUCKETS; b++) {
    tw += m[b * 5]; t0 += m[b * 5 + 1]; t1 += m[b * 5 + 2]; t2 += m[b * 5 + 3]; tq += m[b * 5 + 4];
  }
  let lw = 0, l0 = 0, l1 = 0, l2 = 0, lq = 0;
  let bestBucket = -1;
  let bestSse = Infinity;
  let bestLeft = 0;
  for (let b = 0; b < CUT_BUCKETS - 1; b++) {
    lw += m[b * 5]; l0 += m[b * 5 + 1]; l1 += m[b * 5 + 2]; l2 += m[b * 5 + 3]; lq += m[b * 5 + 4];
    const rw = tw - lw;
    if (lw === 0 || rw === 0) continue;
    const r0 = t0 - l0, r1 = t1 - l1, r2 = t2 - l2, rq = tq - lq;
    const left = lq - (l0 * l0 + l1 * l1 + l2 * l2) / lw;
    const right = rq - (r0 * r0 + r1 * r1 + r2 * r2) / rw;
    if (left + right < bestSse) {
      bestSse = left + right;
      bestBucket = b;
      bestLeft = left;
    }
  }
  // Partition the box in place: bins in buckets up to the cut first.
  let cut = start;
  if (bestBucket >= 0) {
    for (let i = start; i < end; i++) {
      const p = order[i];
      if (Math.floor((proj[p] - lo) * scale) <= bestBucket) {
        order[i] = order[cut];
        order[cut++] = p;
      }
    }
  }
  if (cut === start || cut === end) {
    // Every projection equal (numerically): cut in the middle, errors recomputed.
    cut = (start + end) >> 1;
    bestLeft = boxSse(h, order, start, cut);
    bestSse = bestLeft + boxSse(h, order, cut, end);
  }
  return [
    { start, end: cut, sse: Math.max(0, bestLeft) },
    { start: cut, end, sse: Math.max(0, bestSse - bestLeft) },
  ];
}

/** The weighted principal axis of a box (power iteration on its 3x3 covariance). */
function principalAxis(h: ColorHistogram, order: Int32Array, start: number, end: number): [number, number, number] {
  let w = 0, m0 = 0, m1 = 0, m2 = 0;
  for (let i = start; i < end; i++) {
    const p = order[i];
    const wp = h.weight[p];
    w += wp;
    m0 += wp * h.lab[p * 3];
    m1 += wp * h.lab[p * 3 + 1];
    m2 += wp * h.lab[p * 3 + 2];
  }
  m0 /= w; m1 /= w; m2 /= w;
  let c00 = 0, c01 = 0, c02 = 0, c11 = 0, c12 = 0, c22 = 0;
  for (let i = start; i < end; i++) {
    const p = order[i];
    const wp = h.weight[p];
    const x = h.lab[p * 3] - m0, y = h.lab[p * 3 + 1] - m1, z = h.lab[p * 3 + 2] - m2;
    c00 += wp * x * x; c01 += wp * x * y; c02 += wp * x * z;
    c11 += wp * y * y; c12 += wp * y * z; c22 += wp * z * z;
  }
  // Start from the axis of largest variance, so the iteration never starts orthogonal to the answer.
  let v: [number, number, number] = c00 >= c11 && c00 >= c22 ? [1, 0, 0] : c11 >= c22 ? [0, 1, 0] : [0, 0, 1];
  for (let it = 0; it < 12; it++) {
    const x = c00 * v[0] + c01 * v[1] + c02 * v[2];
    const y = c01 * v[0] + c11 * v[1] + c12 * v[2];
    const z = c02 * v[0] + c12 * v[1] + c22 * v[2];
    const n = Math.hypot(x, y, z);
    if (n === 0) break;
    v = [x / n, y / n, z / n];
  }
  return v;
}

/**
 * Iterations from the given centres: each bin to its nearest centre, then each centre to the weighted
 * mean of its bins (`median` false: k-means), or to a Weiszfeld step toward their weighted geometric
 * median (`median` true: each bin weighted by count / distance). Stops when no bin changes cluster and
 * no centre moves. A centre left without bins moves to the bin that costs the most where it is.
 */
function lloyd(h: ColorHistogram, seeds: Float64Array, k: number, maxIterations: number, median: boolean): Clusters {
  const { lab, weight, size } = h;
  const centers = seeds.slice(0, k * 3);
  const weights = new Float64Array(k);
  const pull = new Float64Array(k);
  const assignment = new Int32Array(size).fill(-1);
  const cost = new Float64Array(size);
  const sums = new Float64Array(k * 3);
  for (let it = 0; it < maxIterations; it++) {
    let changed = 0;
    sums.fill(0);
    weights.fill(0);
    pull.fill(0);
    for (let i = 0; i < size; i++) {
      const x = lab[i * 3], y = lab[i * 3 + 1], z = lab[i * 3 + 2];
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d0 = x - centers[c * 3], d1 = y - centers[c * 3 + 1], d2 = z - centers[c * 3 + 2];
        const d = d0 * d0 + d1 * d1 + d2 * d2;
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      if (assignment[i] !== best) {
        assignment[i] = best;
        changed++;
      }
      const w = weight[i];
      const p = median ? w / Math.max(Math.sqrt(bestD), MEDIAN_EPSILON) : w;
      cost[i] = w * bestD;
      weights[best] += w;
      pull[best] += p;
      sums[best * 3] += p * x;
      sums[best * 3 + 1] += p * y;
      sums[best * 3 + 2] += p * z;
    }
    let moved = 0;
    for (let c = 0; c < k; c++) {
      if (pull[c] > 0) {
        for (let d = 0; d < 3; d++) {
          const v = sums[c * 3 + d] / pull[c];
          moved = Math.max(moved, Math.abs(v - centers[c * 3 + d]));
          centers[c * 3 + d] = v;
        }
        continue;
      }
      let worst = 0;
      for (let i = 1; i < size; i++) if (cost[i] > cost[worst]) worst = i;
      for (let d = 0; d < 3; d++) centers[c * 3 + d] = lab[worst * 3 + d];
      cost[worst] = 0;
      changed++;
    }
    if (changed === 0 && moved < 1e-6) break;
  }
  return { centers, weights, k };
}
