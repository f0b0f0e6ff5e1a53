import type { Sharp } from 'sharp';
import { isAppError } from '../../errors/index.js';
import type { EncodeOptions, OutputFormat } from '../image-processor.js';
import { fromSharpOptionError } from '../sharp-error.js';

/** Where encode parameters live in the request, for error messages. */
export const ENCODE_FIELD = 'export_options';

/** Formats whose size falls as quality falls, so a maxBytes search over quality makes sense. */
export function isLossy(options: EncodeOptions): boolean {
  return options.format === 'jpeg' || ((options.format === 'webp' || options.format === 'avif') && !options.lossless);
}

/**
 * Sets the output format, its options and the metadata policy on a pipeline. `quality` overrides
 * options.quality (the maxBytes search tries several). sharp strips all metadata by default and
 * converts an embedded ICC profile to sRGB on the way, which is the wanted default.
 */
export function encode(image: Sharp, options: EncodeOptions, quality = options.quality): Sharp {
  try {
    if (options.keepMetadata) image.keepExif().keepIccProfile();
    if (options.xmp !== undefined) image.withXmp(options.xmp);
    return FORMATS[options.format](image, options, quality);
  } catch (error) {
    if (isAppError(error)) throw error;
    throw fromSharpOptionError(error, ENCODE_FIELD) ?? error;
  }
}

type Encoder = (image: Sharp, o: EncodeOptions, quality: number | undefined) => Sharp;

const clamp = (n: number | undefined, min: number, max: number): number | undefined =>
  n === undefined ? undefined : Math.min(max, Math.max(min, n));

const FORMATS: Record<OutputFormat, Encoder> = {
  // png's "effort" (1-10 in the API) is zlib's compression level; sharp's own png effort means palette
  // quantisation effort and forces a palette, so it is only passed along with one.
  png: (image, o, quality) =>
    image.png({
      compressionLevel: clamp(o.effort === undefined ? undefined : o.effort - 1, 0, 9),
      progressive: o.progressive,
      palette: o.palette,
      ...(o.palette ? { colours: o.colors, quality, effort: clamp(o.effort, 1, 10) } : {}),
    }),
  // JPEG has no alpha: flatten onto the background (white unless asked) instead of sharp's black.
  jpeg: (image, o, quality) =>
    image.flatten({ background: o.background ?? '#ffffff' }).jpeg({
      mozjpeg: true,
      quality,
      progressive: o.progressive,
      chromaSubsampling: o.chromaSubsampling,
    }),
  webp: (image, o, quality) => image.webp({ quality, lossless: o.lossless, effort: clamp(o.effort, 0, 6) }),
  avif: (image, o, quality) =>
    image.avif({ quality, lossless: o.lossless, effort: clamp(o.effort, 0, 9), chromaSubsampling: o.chromaSubsampling }),
  // Lossless LZW unless a quality asks for lossy JPEG-in-TIFF.
  tiff: (image, o, quality) =>
    image.tiff(quality !== undefined && !o.lossless ? { quality, compression: 'jpeg' } : { compression: 'lzw' }),
  gif: (image, o) => image.gif({ colours: o.colors, effort: clamp(o.effort, 1, 10) }),
};
