import type { ExportOptions } from '../../../gen/image/v1/operations_pb.js';
import { invalidArgument } from '../../errors/index.js';
import type { EncodeOptions, OutputOptions } from '../../imaging/image-processor.js';
import { EXPORT_FORMATS, type ExportFormat, OUTPUT_FORMATS, parseFormat } from '../../imaging/image-formats.js';
import { checkHexColor, checkIntInRange, checkOneOf } from '../../validation/check.js';

/** SvgOptions defaults (operations.proto). */
export const DEFAULT_SVG_COLORS = 16;
export const DEFAULT_MAX_SVG_BYTES = 4 * 1024 * 1024;
const MAX_BYTES = 2 ** 31 - 1;

/** The formats each option means something for; set for another, it is refused rather than ignored. */
const APPLIES_TO = {
  quality: ['jpeg', 'webp', 'avif', 'tiff', 'png'],
  lossless: ['webp', 'avif'],
  progressive: ['jpeg', 'png', 'gif'],
  effort: ['png', 'webp', 'avif', 'gif'],
  chroma_subsampling: ['jpeg', 'avif'],
  palette: ['png', 'gif'],
  colors: ['png', 'gif'],
  keep_metadata: OUTPUT_FORMATS,
  max_bytes: OUTPUT_FORMATS,
  svg: ['svg'],
} satisfies Record<string, readonly ExportFormat[]>;
const EFFORT: Record<'png' | 'webp' | 'avif' | 'gif', [number, number]> = { png: [1, 10], webp: [0, 6], avif: [0, 9], gif: [1, 10] };

/**
 * A request's `format` and ExportOptions as the worker's output options, every field checked.
 * `field` is the message holding both (`""` for the request itself, `variation_configs[2]` for one
 * configuration), so errors name e.g. `variation_configs[2].export_options.quality`. An unknown format
 * is UNSUPPORTED_FORMAT listing the names; an option the format does not take is refused, naming the
 * formats that take it.
 *
 * Per format: quality 1-100 (jpeg, webp, avif; tiff, where it means JPEG compression; png, where it is
 * the palette quantisation quality and implies `palette`), lossless (webp, avif; not with quality),
 * progressive (jpeg; png and gif interlacing), effort (png 1-10 zlib level, webp 0-6, avif 0-9 within
 * the worker's time budget, gif 1-10), chroma_subsampling (jpeg, avif), palette and colors 2-256 (png,
 * where colors implies palette; gif), background_color "#RRGGBB" (flattens transparency; jpeg, and tiff
 * with quality, flatten onto white without it), keep_metadata and max_bytes (raster formats), svg (svg).
 */
export function encodeOptions(format: string, options: ExportOptions | undefined, field: string): OutputOptions {
  const at = (name: string): string => (field ? `${field}.${name}` : name);
  const optionsField = at('export_options');
  const option = (name: string): string => `${optionsField}.${name}`;
  const target = parseFormat(at('format'), format, EXPORT_FORMATS);
  const o = options;
  const refuseUnless = (key: keyof typeof APPLIES_TO, set: boolean, value: unknown): void => {
    const formats: readonly ExportFormat[] = APPLIES_TO[key];
    if (set && !formats.includes(target)) {
      const takers = formats.length === 1 ? `only ${formats[0]} takes it` : `only ${formats.slice(0, -1).join(', ')} and ${formats.at(-1)} take it`;
      throw invalidArgument(option(key), `unset for ${target} (${takers})`, value);
    }
  };
  refuseUnless('quality', (o?.quality ?? 0) !== 0, o?.quality);
  refuseUnless('lossless', o?.lossless === true, true);
  refuseUnless('progressive', o?.progressive === true, true);
  refuseUnless('effort', o?.effort !== undefined, o?.effort);
  refuseUnless('chroma_subsampling', (o?.chromaSubsampling ?? '') !== '', o?.chromaSubsampling);
  refuseUnless('palette', o?.palette === true, true);
  refuseUnless('colors', (o?.colors ?? 0) !== 0, o?.colors);
  refuseUnless('keep_metadata', o?.keepMetadata === true, true);
  refuseUnless('max_bytes', (o?.maxBytes ?? 0n) !== 0n, Number(o?.maxBytes));
  refuseUnless('svg', o?.svg !== undefined, 'svg options');

  const background = o?.backgroundColor ? checkHexColor(option('background_color'), o.backgroundColor, false) : undefined;
  if (target === 'svg') {
    const svg = o?.svg;
    return {
      format: 'svg',
      colors: svg?.colors ? checkIntInRange(option('svg.colors'), svg.colors, 2, 64) : DEFAULT_SVG_COLORS,
      maxSvgBytes: svg?.maxSvgBytes ? checkIntInRange(option('svg.max_svg_bytes'), Number(svg.maxSvgBytes), 1, MAX_BYTES) : DEFAULT_MAX_SVG_BYTES,
      embedRaster: svg?.embedRaster === true,
      ...(background !== undefined ? { background } : {}),
      field: optionsField,
    };
  }

  const raster: EncodeOptions = { format: target, field: optionsField };
  if (o === undefined) return raster;
  if (o.quality !== 0) {
    raster.quality = checkIntInRange(option('quality'), o.quality, 1, 100);
    if (o.lossless) throw invalidArgument(option('quality'), 'unset with lossless (lossless coding has no quality)', o.quality);
  }
  if (o.lossless) raster.lossless = true;
  if (o.progressive) raster.progressive = true;
  if (o.effort !== undefined) {
    const [min, max] = EFFORT[target as keyof typeof EFFORT];
    raster.effort = checkIntInRange(option('effort'), o.effort, min, max);
  }
  if (o.chromaSubsampling) raster.chromaSubsampling = checkOneOf(option('chroma_subsampling'), o.chromaSubsampling, ['4:2:0', '4:4:4'] as const);
  if (o.colors !== 0) raster.colors = checkIntInRange(option('colors'), o.colors, 2, 256);
  // png: a palette size or quality asks for a palette (sharp's rule); gif always has one.
  if (target === 'png' && (o.palette || raster.colors !== undefined || raster.quality !== undefined)) raster.palette = true;
  if (background !== undefined) raster.background = background;
  if (o.keepMetadata) raster.keepMetadata = true;
  if (o.maxBytes !== 0n) raster.maxBytes = checkIntInRange(option('max_bytes'), Number(o.maxBytes), 1, MAX_BYTES);
  return raster;
}

