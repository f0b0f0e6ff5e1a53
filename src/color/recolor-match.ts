import type { Vec3 } from './oklab.js';

/**
 * Which target colour each source colour moves to. An optimal assignment (Hungarian algorithm) in
 * OKLab with lightness counted twice over: a dark source colour goes to a dark target, so the
 * picture keeps its light, and among similar lightness the nearest hue wins. Each target is used at
 * most once while there are targets enough; with more sources than targets, the extra sources take
 * their nearest target by the same cost.
 */

/** Weight of the lightness difference against the chroma plane (a, b) in the matching cost. */
const LIGHTNESS_WEIGHT = 2;

function matchCost(source: Vec3, target: Vec3): number {
  const dL = source[0] - target[0];
  const da = source[1] - target[1];
  const db = source[2] - target[2];
  return LIGHTNESS_WEIGHT * dL * dL + da * da + db * db;
}

/** For each source colour, the index of its target colour. */
export function matchPalettes(source: Vec3[], target: Vec3[]): number[] {
  if (source.length === 0) return [];
  if (target.length === 0) throw new Error('matchPalettes: no target colours');
  const cost = source.map((s) => target.map((t) => matchCost(s, t)));
  if (source.length <= target.length) return assignRows(cost);
  // More sources than targets: every target gets one source optimally, the rest go to their cheapest.
  const transposed = target.map((_, j) => source.map((_, i) => cost[i][j]));
  const sourceOfTarget = assignRows(transposed);
  const result = new Array<number>(source.length).fill(-1);
  sourceOfTarget.forEach((i, j) => (result[i] = j));
  for (let i = 0; i < source.length; i++) {
    if (result[i] >= 0) continue;
    let best = 0;
    for (let j = 1; j < target.length; j++) if (cost[i][j] < cost[i][best]) best = j;
    result[i] = best;
  }
  return result;
}

/**
 * Minimum-cost assignment of every row to a distinct column (rows <= columns): the Hungarian method
 * with potentials, O(rows^2 x columns).
 */
export function assignRows(cost: number[][]): number[] {
  const n = cost.length;
  const m = cost[0]?.length ?? 0;
  if (n > m) throw new Error(`assignRows: ${n} rows cannot take distinct columns among ${m}`);
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const rowOfColumn = new Int32Array(m + 1); // 1-based row matched to each column, 0 = none
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    rowOfColumn[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = rowOfColumn[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[rowOfColumn[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (rowOfColumn[j0] !== 0);
    do {
      const j1 = way[j0];
      rowOfColumn[j0] = rowOfColumn[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const result = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if (rowOfColumn[j] > 0) result[rowOfColumn[j] - 1] = j - 1;
  return result;
}
