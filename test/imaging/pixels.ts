import sharp from 'sharp';

/** Decoded 8-bit pixels and measures on them, for tests that check what a step did to an image. */
export interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

export async function decode(bytes: Uint8Array): Promise<Pixels> {
  const { data, info } = await sharp(bytes).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** A PNG (lossless, so tests see exact values) from a function of the position: [r, g, b] or [r, g, b, a]. */
export async function pngOf(width: number, height: number, pixel: (x: number, y: number) => number[]): Promise<Buffer> {
  const channels = pixel(0, 0).length as 3 | 4;
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * channels);
  }
  return sharp(data, { raw: { width, height, channels } }).png().toBuffer();
}

export function flat(width: number, height: number, rgb: number[]): Promise<Buffer> {
  return pngOf(width, height, () => rgb);
}

/** Noise around mid-grey with colour: every channel varies independently. */
export function colourNoise(width: number, height: number, seed = 1): Promise<Buffer> {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) >> 8) & 0xff;
  return pngOf(width, height, () => [next(), next(), next()]);
}

export function pixelAt(p: Pixels, x: number, y: number): number[] {
  const i = (y * p.width + x) * p.channels;
  return [...p.data.subarray(i, i + p.channels)];
}

/** Calls `f` with each pixel's channels. */
export function forEachPixel(p: Pixels, f: (px: Uint8Array, x: number, y: number) => void): void {
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      const i = (y * p.width + x) * p.channels;
      f(p.data.subarray(i, i + p.channels), x, y);
    }
  }
}

export function lumaOf(px: ArrayLike<number>): number {
  return 0.2126 * px[0] + 0.7152 * px[1] + 0.0722 * px[2];
}

/** Luma plane as numbers. */
export function lumaPlane(p: Pixels): Float64Array {
  const out = new Float64Array(p.width * p.height);
  forEachPixel(p, (px, x, y) => (out[y * p.width + x] = lumaOf(px)));
  return out;
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

export function std(values: ArrayLike<number>): number {
  const m = mean(values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] - m) ** 2;
  return Math.sqrt(sum / values.length);
}

/** Mean absolute 4-neighbour Laplacian of luma over the interior: high-frequency energy. */
export function laplacianEnergy(p: Pixels): number {
  const l = lumaPlane(p);
  const w = p.width;
  let sum = 0;
  let n = 0;
  for (let y = 1; y < p.height - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      sum += Math.abs(4 * l[i] - l[i - 1] - l[i + 1] - l[i - w] - l[i + w]);
      n++;
    }
  }
  return sum / n;
}

/** Mean over square tiles of the luma standard deviation inside each: local contrast. */
export function localContrast(p: Pixels, tile = 16): number {
  const l = lumaPlane(p);
  const values: number[] = [];
  for (let ty = 0; ty + tile <= p.height; ty += tile) {
    for (let tx = 0; tx + tile <= p.width; tx += tile) {
      const t: number[] = [];
      for (let y = ty; y < ty + tile; y++) for (let x = tx; x < tx + tile; x++) t.push(l[y * p.width + x]);
      values.push(std(t));
    }
  }
  return mean(values);
}

/** The distinct values of one channel. */
export function distinct(p: Pixels, channel: number): Set<number> {
  const out = new Set<number>();
  for (let i = channel; i < p.data.length; i += p.channels) out.add(p.data[i]);
  return out;
}

export function maxDifference(a: Pixels, b: Pixels): number {
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
  return max;
}

export function channelMean(p: Pixels, channel: number): number {
  let sum = 0;
  for (let i = channel; i < p.data.length; i += p.channels) sum += p.data[i];
  return sum / (p.data.length / p.channels);
}
