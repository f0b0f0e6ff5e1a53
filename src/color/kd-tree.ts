/**
 * A static 3-d tree over points (x, y, z packed in a Float64Array) for exact nearest-neighbour search:
 * O(n log n) to build, about O(log n) per query on well-spread points. Stored implicitly: the median of
 * each range is its node, split on the axis of the depth.
 */
export class KdTree3 {
  readonly #points: Float64Array;
  readonly #order: Int32Array;

  constructor(points: Float64Array) {
    this.#points = points;
    const n = points.length / 3;
    this.#order = new Int32Array(n);
    for (let i = 0; i < n; i++) this.#order[i] = i;
    this.#build(0, n, 0);
  }

  get size(): number {
    return this.#order.length;
  }

  /** Index of the point nearest (x, y, z) by Euclidean distance; -1 for an empty tree. */
  nearest(x: number, y: number, z: number): number {
    const best = { index: -1, d: Infinity };
    this.#search(0, this.#order.length, 0, x, y, z, best);
    return best.index;
  }

  #build(lo: number, hi: number, axis: number): void {
    if (hi - lo <= 1) return;
    const mid = (lo + hi) >> 1;
    this.#select(lo, hi - 1, mid, axis);
    const next = (axis + 1) % 3;
    this.#build(lo, mid, next);
    this.#build(mid + 1, hi, next);
  }

  /** Quickselect: puts the k-th smallest on `axis` at k, smaller before it, larger after. */
  #select(lo: number, hi: number, k: number, axis: number): void {
    const order = this.#order;
    const p = this.#points;
    while (hi > lo) {
      const pivot = p[order[(lo + hi) >> 1] * 3 + axis];
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (p[order[i] * 3 + axis] < pivot) i++;
        while (p[order[j] * 3 + axis] > pivot) j--;
        if (i <= j) {
          const t = order[i];
          order[i] = order[j];
          order[j] = t;
          i++;
          j--;
        }
      }
      if (k <= j) hi = j;
      else if (k >= i) lo = i;
      else return;
    }
  }

  #search(lo: number, hi: number, axis: number, x: number, y: number, z: number, best: { index: number; d: number }): void {
    if (hi <= lo) return;
    const mid = (lo + hi) >> 1;
    const i = this.#order[mid];
    const p = this.#points;
    const dx = p[i * 3] - x, dy = p[i * 3 + 1] - y, dz = p[i * 3 + 2] - z;
    const d = dx * dx + dy * dy + dz * dz;
    if (d < best.d) {
      best.d = d;
      best.index = i;
    }
    const diff = (axis === 0 ? x : axis === 1 ? y : z) - p[i * 3 + axis];
    const next = (axis + 1) % 3;
    const [near, far] = diff < 0 ? [[lo, mid], [mid + 1, hi]] : [[mid + 1, hi], [lo, mid]];
    this.#search(near[0], near[1], next, x, y, z, best);
    // The far side can only hold a nearer point if the splitting plane is nearer than the best so far.
    if (diff * diff < best.d) this.#search(far[0], far[1], next, x, y, z, best);
  }
}
