import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { gradient } from '../support/fixtures.js';
import { SHARED_IMAGES } from '../support/shared-images.js';

/** The formats the campaign mutates; each gets an even share of the cases. */
export const FUZZ_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'svg'] as const;
export type FuzzFormat = (typeof FUZZ_FORMATS)[number];

export interface SeedImage {
  name: string;
  format: FuzzFormat;
  data: Buffer;
}

/** Small, so every valid decode in the campaign is cheap: 3072 pixels. */
const WIDTH = 64;
const HEIGHT = 48;

const EXIF = { IFD0: { Make: 'fuzz', Model: 'seed', Software: 'sharp', Copyright: 'none' }, IFD2: { DateTimeOriginal: '2020:01:02 03:04:05' } };

const SVG_SHAPES = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}"><rect width="${WIDTH}" height="${HEIGHT}" fill="#08f"/><circle cx="32" cy="24" r="16" fill="#f80"/></svg>`;
const SVG_RICH = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}">
<defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/><stop offset="1" stop-color="#00f"/></linearGradient><filter id="b"><feGaussianBlur stdDeviation="1"/></filter></defs>
<rect width="${WIDTH}" height="${HEIGHT}" fill="url(#g)"/><path d="M0 0 L64 48 M64 0 L0 48" stroke="#fff" filter="url(#b)"/><text x="4" y="30" font-size="12">fuzz</text>
</svg>`;

/**
 * The images every case starts from: made here with sharp (one per format and common variant: EXIF,
 * ICC, palette, 16-bit, interlaced, lossless, animated, tiled), plus a few of ../shared/images when
 * present. Deterministic for one sharp version, so a corpus recipe (seed, case) names the same bytes.
 */
export async function seedImages(): Promise<SeedImage[]> {
  const frames = await Promise.all([0, 1, 2].map((i) => gradient(WIDTH, HEIGHT).modulate({ hue: i * 90 }).png().toBuffer()));
  const moving = () => sharp(frames, { join: { animated: true } });
  const rich = () => gradient(WIDTH, HEIGHT).withExif(EXIF).withIccProfile('p3');
  const made: [string, FuzzFormat, Promise<Buffer>][] = [
    ['jpeg baseline', 'jpeg', gradient(WIDTH, HEIGHT).jpeg({ quality: 90 }).toBuffer()],
    ['jpeg progressive with EXIF, ICC and orientation', 'jpeg', rich().withMetadata({ orientation: 6 }).jpeg({ progressive: true, chromaSubsampling: '4:4:4' }).toBuffer()],
    ['png rgba', 'png', gradient(WIDTH, HEIGHT).ensureAlpha(0.8).png().toBuffer()],
    ['png palette', 'png', gradient(WIDTH, HEIGHT).png({ palette: true, colours: 16 }).toBuffer()],
    ['png 16-bit interlaced with EXIF and ICC', 'png', rich().toColourspace('rgb16').png({ progressive: true }).toBuffer()],
    ['webp lossy with EXIF and ICC', 'webp', rich().webp({ quality: 80 }).toBuffer()],
    ['webp lossless with alpha', 'webp', gradient(WIDTH, HEIGHT).ensureAlpha(0.5).webp({ lossless: true }).toBuffer()],
    ['webp animated', 'webp', moving().webp({ loop: 0, delay: [100, 100, 100] }).toBuffer()],
    ['gif', 'gif', gradient(WIDTH, HEIGHT).gif().toBuffer()],
    ['gif animated', 'gif', moving().gif({ loop: 0, delay: [100, 100, 100] }).toBuffer()],
    ['tiff uncompressed', 'tiff', gradient(WIDTH, HEIGHT).tiff({ compression: 'none' }).toBuffer()],
    ['tiff lzw', 'tiff', gradient(WIDTH, HEIGHT).ensureAlpha(1).tiff({ compression: 'lzw', predictor: 'horizontal' }).toBuffer()],
    ['tiff jpeg tiled', 'tiff', gradient(WIDTH, HEIGHT).tiff({ compression: 'jpeg', tile: true, tileWidth: 16, tileHeight: 16 }).toBuffer()],
    ['avif', 'avif', gradient(WIDTH, HEIGHT).avif({ quality: 50, effort: 0 }).toBuffer()],
    ['avif lossless with alpha', 'avif', gradient(WIDTH, HEIGHT).ensureAlpha(0.5).avif({ lossless: true, effort: 0 }).toBuffer()],
    ['svg shapes', 'svg', Promise.resolve(Buffer.from(SVG_SHAPES))],
    ['svg gradient, filter and text', 'svg', Promise.resolve(Buffer.from(SVG_RICH))],
  ];
  const seeds = await Promise.all(made.map(async ([name, format, data]) => ({ name, format, data: await data })));
  return [...seeds, ...(await sharedSeeds())];
}

/** Real files: a camera's EXIF (on a thumbnail of the photo, to stay cheap), ICC profiles, a cut-short JPEG. */
async function sharedSeeds(): Promise<SeedImage[]> {
  const file = (name: string) => path.join(SHARED_IMAGES, name);
  const seeds: SeedImage[] = [];
  if (existsSync(file('Aqua.jpg'))) {
    seeds.push({ name: 'Aqua.jpg thumbnail with its EXIF', format: 'jpeg', data: await sharp(file('Aqua.jpg')).resize(96).keepExif().jpeg().toBuffer() });
  }
  for (const [name, format] of [['rocket.jpg', 'jpeg'], ['chelsea.png', 'png'], ['bad/truncated.jpg', 'jpeg']] as const) {
    if (existsSync(file(name))) seeds.push({ name, format, data: readFileSync(file(name)) });
  }
  return seeds;
}
