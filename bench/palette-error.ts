import { ciede2000 } from '../src/color/ciede2000.js';
import { srgbToLab } from '../src/color/cielab.js';
import type { BenchPhoto } from './palette-photos.js';

export type Rgb = [number, number, number];

/**
 * Reconstruction error of a palette on one photo: the mean, over every (opaque) pixel, of the CIEDE2000
 * difference to the palette colour nearest it by CIEDE2000. Pixels are grouped by exact colour first,
 * so each distinct colour is measured once and weighted by its count: the same number, computed faster.
 */
export class ReconstructionError {
  readonly #lab: Float64Array;
  readonly #count: Float64Array;
  readonly #pixels: number;

  constructor(photo: BenchPhoto) {
    const counts = new Map<number, number>();
    const d = photo.rgba;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] < 128) continue;
      const key = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    this.#lab = new Float64Array(counts.size * 3);
    this.#count = new Float64Array(counts.size);
    let n = 0;
    let pixels = 0;
    for (const [key, count] of counts) {
      srgbToLab(key >> 16, (key >> 8) & 255, key & 255, this.#lab, n * 3);
      this.#count[n++] = count;
      pixels += count;
    }
    this.#pixels = pixels;
  }

  /** Mean CIEDE2000 from each pixel to its nearest palette colour. */
  meanDeltaE(palette: readonly Rgb[]): number {
    if (palette.length === 0) return NaN;
    const pal = new Float64Array(palette.length * 3);
    palette.forEach(([r, g, b], i) => srgbToLab(r, g, b, pal, i * 3));
    let sum = 0;
    for (let i = 0; i < this.#count.length; i++) {
      let best = Infinity;
      for (let p = 0; p < palette.length; p++) best = Math.min(best, ciede2000(this.#lab, pal, i * 3, p * 3));
      sum += best * this.#count[i];
    }
    return sum / this.#pixels;
  }
}
