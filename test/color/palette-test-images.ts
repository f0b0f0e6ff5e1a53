import type { PixelSource } from '../../src/color/color-histogram.js';

/** Synthetic RGBA images for the palette tests, as the extractor sees them (decoded pixels). */
export type Rgba = [number, number, number, number];

/** Horizontal bands of solid colour, each `share` of the rows of a 100 x 100 image. */
export function bands(parts: [Rgba | [number, number, number], number][]): PixelSource {
  const data = new Uint8Array(100 * 100 * 4);
  let row = 0;
  for (const [color, share] of parts) {
    const rows = Math.round(share * 100);
    for (let y = row; y < row + rows; y++) {
      for (let x = 0; x < 100; x++) data.set([color[0], color[1], color[2], color[3] ?? 255], (y * 100 + x) * 4);
    }
    row += rows;
  }
  return { data, channels: 4 };
}

export function solid(r: number, g: number, b: number): PixelSource {
  return bands([[[r, g, b], 1]]);
}

/** A hue wheel swept across, lightness down: every kind of colour. */
export function rainbow(): PixelSource {
  const w = 120;
  const h = 60;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const hue = (x / w) * 6;
      const c = 1 - y / h;
      const f = hue - Math.floor(hue);
      const rgb = [[1, f, 0], [1 - f, 1, 0], [0, 1, f], [0, 1 - f, 1], [f, 0, 1], [1, 0, 1 - f]][Math.floor(hue) % 6];
      data.set(rgb.map((v) => Math.round(v * c * 255)), (y * w + x) * 3);
    }
  }
  return { data, channels: 3 };
}

/** Uniform noise from a fixed seed. */
export function noise(seed = 3): PixelSource {
  const data = new Uint8Array(80 * 80 * 3);
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    data[i] = seed >>> 24;
  }
  return { data, channels: 3 };
}
