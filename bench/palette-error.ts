import { converter, differenceCiede2000, type Lab65 } from 'culori';
import type { BenchPhoto } from './palette-photos.js';

export type Rgb = [number, number, number];

const toLab = converter('lab65');
const deltaE = differenceCiede2000();

function lab([r, g, b]: Rgb): Lab65 {
  return toLab({ mode: 'rgb', r: r / 255, g: g / 255, b: b / 255 });
}

/**
 * Reconstruction error of a palette on one photo: the mean, over every (opaque) pixel, of the CIEDE2000
 * difference (culori, CIELAB D65) to the palette colour nearest it by CIEDE2000. Pixels are grouped by
 * exact colour first, so each distinct colour is measured once and weighted by its count: the same
 * number, computed faster.
 */
export class ReconstructionError {
  readonly #lab: Lab65[] = [];
  readonly #count: number[] = [];
  readonly #pixels: number;

  constructor(photo: BenchPhoto) {
    const counts = new Map<number, number>();
    const d = photo.rgba;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] < 128) continue;
      const key = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    let pixels = 0;
    for (const [key, count] of counts) {
      this.#lab.push(lab([key >> 16, (key >> 8) & 255, key & 255]));
      this.#count.push(count);
      pixels += count;
    }
    this.#pixels = pixels;
  }

  /** Mean CIEDE2000 from each pixel to its nearest palette colour. */
  meanDeltaE(palette: readonly Rgb[]): number {
    if (palette.length === 0) return NaN;
    const pal = palette.map(lab);
    let sum = 0;
    for (let i = 0; i < this.#lab.length; i++) {
      let best = Infinity;
      for (const p of pal) best = Math.min(best, deltaE(this.#lab[i], p));
      sum += best * this.#count[i];
    }
    return sum / this.#pixels;
  }
}
