import { readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** A photo decoded once, shrunk to fit the long side, as RGBA bytes: what every extractor is given. */
export interface BenchPhoto {
  name: string;
  rgba: Uint8Array;
  width: number;
  height: number;
}

/**
 * The photos of `dir` (jpeg and png), each decoded with orientation applied, converted to sRGB and
 * resized to fit `maxSide` the way the service's worker does it (sharp, fit inside, never enlarged).
 */
export async function loadPhotos(dir: string, maxSide: number): Promise<BenchPhoto[]> {
  const names = readdirSync(dir).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort();
  const photos: BenchPhoto[] = [];
  for (const name of names) {
    const { data, info } = await sharp(path.join(dir, name), { autoOrient: true, limitInputPixels: false })
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    photos.push({ name, rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height });
  }
  return photos;
}
