import { invalidArgument } from '../errors/index.js';

/** Formats the service encodes. */
export type OutputFormat = 'png' | 'jpeg' | 'webp' | 'avif' | 'tiff' | 'gif';

/** Formats the service accepts as input (sniffed from the bytes). */
export type InputFormat = OutputFormat | 'heif' | 'svg' | 'bmp' | 'jxl';

/** What a pipeline or composite can be encoded as: the raster formats or a vector trace. */
export type ExportFormat = OutputFormat | 'svg';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['png', 'jpeg', 'webp', 'avif', 'tiff', 'gif'];
export const EXPORT_FORMATS: readonly ExportFormat[] = [...OUTPUT_FORMATS, 'svg'];

export const CONTENT_TYPES: Record<InputFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  avif: 'image/avif',
  tiff: 'image/tiff',
  gif: 'image/gif',
  heif: 'image/heif',
  svg: 'image/svg+xml',
  bmp: 'image/bmp',
  jxl: 'image/jxl',
};

/** The format a stored content type names (the service records sniffed types only). */
export function formatOfContentType(contentType: string): InputFormat | undefined {
  return (Object.keys(CONTENT_TYPES) as InputFormat[]).find((f) => CONTENT_TYPES[f] === contentType);
}

function isOutputFormat(format: string | undefined): format is OutputFormat {
  return (OUTPUT_FORMATS as readonly (string | undefined)[]).includes(format);
}

/** "Keep the input's format": the input's when the service can write it, else png. */
export function keptFormat(input: string | undefined): OutputFormat {
  return isOutputFormat(input) ? input : 'png';
}

/**
 * A format name from a request, case-insensitive, "jpg" for jpeg. Every RPC that takes a format
 * name parses it here, so the same mistake gets the same UNSUPPORTED_FORMAT listing the names.
 */
export function parseFormat<F extends ExportFormat>(field: string, name: string, accepted: readonly F[]): F {
  const lower = name.toLowerCase();
  const wanted = lower === 'jpg' ? 'jpeg' : lower;
  if ((accepted as readonly string[]).includes(wanted)) return wanted as F;
  const names = accepted.flatMap((f) => (f === 'jpeg' ? ['jpeg', 'jpg'] : [f]));
  throw invalidArgument(field, `one of ${names.join(', ')}`, name, 'UNSUPPORTED_FORMAT');
}
