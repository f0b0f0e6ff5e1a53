import type { Sharp } from 'sharp';
import { isAppError } from '../../errors/index.js';
import type { EncodeOptions } from '../image-processor.js';
import type { OutputFormat } from '../image-formats.js';
import { fromSharpOptionError } from '../sharp-error.js';

/** Where encode parameters live in the request, for error messages (EncodeOptions.field overrides it). */
const ENCODE_FIELD = 'export_options';

export function encodeField(options: { field?: string }): string {
  return options.field ?? ENCODE_FIELD;
}

/** Formats whose size falls as quality falls, so a maxBytes search over quality makes sense. */
export function isLossy(options: EncodeOptions): boolean {
  switch (options.format) {
    case 'jpeg':
      return true;
    case 'webp':
    case 'avif':
      return !options.lossless;
    // JPEG-compressed when a quality is given, else LZW.
    case 'tiff':
      return tiffIsJpeg(options);
    // Palette quantisation: quality is libimagequant's, fewer colours at lower quality.
    case 'png':
      return options.palette === true;
    case 'gif':
      return false;
  }
}

/** Whether the encoder flattens transparency (see EncodeOptions.background). */
export function flattens(options: EncodeOptions): boolean {
  return options.background !== undefined || options.format === 'jpeg' || (options.format === 'tiff' && tiffIsJpeg(options));
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
    // White unless asked: sharp's own default for formats without alpha is black.
    if (flattens(options)) image.flatten({ background: options.background ?? '#ffffff' });
    return FORMATS[options.format](image, options, quality);
  } catch (error) {
    if (isAppError(error)) throw error;
    throw fromSharpOptionError(error, encodeField(options)) ?? error;
  }
}

type Encoder = (image: Sharp, o: EncodeOptions, quality: number | undefined) => Sharp;

const clamp = (n: number | undefined, min: number, max: number): number | undefined =>
  n === undefined ? undefined : Math.min(max, Math.max(min, n));

function tiffIsJpeg(o: EncodeOptions): boolean {
  return o.quality !== undefined && !o.lossless;
}

/**
 * The `colours` value that makes sharp store a palette of at least `colors` entries. Palettes are
 * stored at 1, 2, 4 or 8 bits, and sharp 0.34.5 maps `colours` to the bit depth rounding down
 * (colours: 64 gives a 16-colour palette; fixed upstream in lovell/sharp#4569), so ask for the power of
 * two at the bit depth that holds `colors`: 2, 4, 16 or 256. libimagequant may use fewer.
 */
export function paletteColours(colors: number | undefined): number | undefined {
  if (colors === undefined) return undefined;
  for (const bits of [1, 2, 4, 8]) if (colors <= 2 ** bits) return 2 ** bits;
  return 256;
}

/**
 * mozjpeg's trellis quantisation, deringing and quantisation table for every JPEG, but not its
 * `mozjpeg: true` switch: that also turns on scan optimisation, which makes every file progressive.
 * Exported so `npm run bench:delivery` gives ipx the same encoder and compares servers, not encoders.
 */
export const JPEG_ENCODER = { trellisQuantisation: true, overshootDeringing: true, quantisationTable: 3 } as const;

const FORMATS: Record<OutputFormat, Encoder> = {
  // png's "effort" (1-10 in the API) is zlib's compression level; sharp's own png effort means palette
  // quantisation effort and forces a palette, so it is only passed along with one.
  png: (image, o, quality) =>
    image.png({
      compressionLevel: clamp(o.effort === undefined ? undefined : o.effort - 1, 0, 9),
      progressive: o.progressive,
      palette: o.palette,
      ...(o.palette ? { colours: paletteColours(o.colors), quality, effort: clamp(o.effort, 1, 10) } : {}),
    }),
  jpeg: (image, o, quality) =>
    image.jpeg({
      quality,
      progressive: o.progressive ?? false,
      optimiseScans: o.progressive ?? false,
      ...JPEG_ENCODER,
      chromaSubsampling: o.chromaSubsampling,
    }),
  webp: (image, o, quality) => image.webp({ quality, lossless: o.lossless, effort: clamp(o.effort, 0, 6) }),
  avif: (image, o, quality) =>
    image.avif({ quality, lossless: o.lossless, effort: clamp(o.effort, 0, 9), chromaSubsampling: o.chromaSubsampling }),
  // Lossless LZW unless a quality asks for lossy JPEG-in-TIFF (which has no alpha: see flattens).
  tiff: (image, o, quality) => image.tiff(tiffIsJpeg({ ...o, quality }) ? { quality, compression: 'jpeg' } : { compression: 'lzw' }),
  gif: (image, o) => image.gif({ colours: paletteColours(o.colors), effort: clamp(o.effort, 1, 10), progressive: o.progressive }),
};
