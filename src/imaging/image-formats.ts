/** Formats the service encodes. */
export type OutputFormat = 'png' | 'jpeg' | 'webp' | 'avif' | 'tiff' | 'gif';

/** Formats the service accepts as input (sniffed from the bytes). */
export type InputFormat = OutputFormat | 'heif' | 'svg' | 'bmp' | 'jxl';

/** What a pipeline or composite can be encoded as: the raster formats or a vector trace. */
export type ExportFormat = OutputFormat | 'svg';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['png', 'jpeg', 'webp', 'avif', 'tiff', 'gif'];

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

export function isOutputFormat(format: string | undefined): format is OutputFormat {
  return (OUTPUT_FORMATS as readonly (string | undefined)[]).includes(format);
}
