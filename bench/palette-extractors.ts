import { getPalette as colorThiefPalette } from 'colorthief';
import { buildPaletteSync, utils as imageQ } from 'image-q';
import { Vibrant } from 'node-vibrant/node';
import { extractDominant } from '../src/color/extract-palettes.js';
import type { Rgb } from './palette-error.js';
import type { BenchPhoto } from './palette-photos.js';

/** One way of getting a palette of (up to) k colours from pre-decoded RGBA pixels. */
export interface Extractor {
  name: string;
  /** Whether k is honoured (node-vibrant always gives its swatches, up to six). */
  takesK: boolean;
  run(photo: BenchPhoto, k: number): Promise<Rgb[]>;
}

/** node-vibrant reads images through an Image class; this one hands over the pixels as they are. */
class PreDecoded {
  static current: BenchPhoto;
  #photo = PreDecoded.current;
  async load() { this.#photo = PreDecoded.current; return this; }
  clear() {}
  update() {}
  getWidth() { return this.#photo.width; }
  getHeight() { return this.#photo.height; }
  resize() { throw new Error('pre-decoded pixels are not resized again'); }
  getPixelCount() { return this.#photo.width * this.#photo.height; }
  getImageData() { return { data: this.#photo.rgba, width: this.#photo.width, height: this.#photo.height }; }
  remove() {}
  // Already at the benchmark's size: no further downsampling (node-vibrant's default would shrink 5x).
  scaleDown() {}
}

export const EXTRACTORS: Extractor[] = [
  {
    name: 'this service (dominant)',
    takesK: true,
    run: async (photo, k) => extractDominant({ data: photo.rgba, channels: 4 }, k).map((c) => c.rgb),
  },
  {
    name: 'image-q Wu',
    takesK: true,
    run: async (photo, k) => {
      const points = imageQ.PointContainer.fromUint8Array(photo.rgba, photo.width, photo.height);
      const palette = buildPaletteSync([points], { paletteQuantization: 'wuquant', colors: k });
      return palette.getPointContainer().getPointArray().map((p) => [p.r, p.g, p.b] as Rgb);
    },
  },
  {
    name: 'colorthief',
    takesK: true,
    run: async (photo, k) => {
      const loader = { load: async () => ({ data: photo.rgba, width: photo.width, height: photo.height }) };
      const colors = await colorThiefPalette(photo.name, { colorCount: k, loader });
      return (colors ?? []).map((c) => c.array());
    },
  },
  {
    name: 'node-vibrant',
    takesK: false,
    run: async (photo) => {
      PreDecoded.current = photo;
      const palette = await Vibrant.from(photo.name).useImageClass(PreDecoded as never).getPalette();
      return Object.values(palette).flatMap((swatch) => (swatch ? [swatch.rgb.map(Math.round) as Rgb] : []));
    },
  },
];
