import { encode as blurhashEncode } from 'blurhash';
import { rgbaToThumbHash } from 'thumbhash';
import { phash } from './phash.js';
import { luma601Plane, resized, type Rgba } from './plane.js';

export interface HashAnalysisResult {
  phash: string;
  blurhash: string;
  thumbhash: string;
}

/**
 * Hashes of the analysis decode: pHash (see phash.ts) of the 32x32 greyscale; BlurHash with 4x3
 * components (3x4 for portrait) of the image at most 64 px; ThumbHash (base64) of the image at most
 * 100 px, its alpha included.
 */
export async function hashAnalysis(image: Rgba): Promise<HashAnalysisResult> {
  const tiny = await resized(image, 32, { width: 32, height: 32 });
  const forBlur = rgba(await resized(image, 64));
  const landscape = forBlur.width >= forBlur.height;
  const blurhash = blurhashEncode(new Uint8ClampedArray(forBlur.data.buffer, forBlur.data.byteOffset, forBlur.data.byteLength), forBlur.width, forBlur.height, landscape ? 4 : 3, landscape ? 3 : 4);
  const forThumb = rgba(await resized(image, 100));
  const thumbhash = Buffer.from(rgbaToThumbHash(forThumb.width, forThumb.height, forThumb.data)).toString('base64');
  return { phash: phash(luma601Plane(tiny)), blurhash, thumbhash };
}

/** The pixels with an alpha channel (opaque when there was none), as both encoders want. */
function rgba(image: Rgba): Rgba {
  if (image.channels === 4) return image;
  const { data, width, height } = image;
  const out = new Uint8Array(width * height * 4);
  for (let p = 0, i = 0, o = 0; p < width * height; p++, i += 3, o += 4) {
    out[o] = data[i];
    out[o + 1] = data[i + 1];
    out[o + 2] = data[i + 2];
    out[o + 3] = 255;
  }
  return { data: out, width, height, channels: 4 };
}
