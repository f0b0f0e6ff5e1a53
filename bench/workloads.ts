import type { MessageInitShape } from '@bufbuild/protobuf';
import sharp, { type Sharp } from 'sharp';
import type { VariationConfigSchema } from '../gen/image/v1/operations_pb.js';

export interface Workload {
  name: string;
  /** What one image goes through, for the report. */
  summary: string;
  /** Which photos it cycles through (file names in the photo folder). */
  photos(all: readonly string[]): string[];
  /** The one VariationConfig of each ProcessingService.GenerateVariations request. */
  config: MessageInitShape<typeof VariationConfigSchema>;
  /** The same work done by sharp directly, with the options the service's pipeline passes. */
  raw(input: Buffer): Promise<Buffer>;
}

export const BIG_PHOTO = 'elephants-5640x3172.jpg';

const photos = (all: readonly string[]) => all.filter((name) => name.endsWith('.jpg') && name !== BIG_PHOTO);

/**
 * What src/imaging/run-pipeline.ts builds: orientation applied as the input is read, the truncation
 * check, the pixel limit (default MAX_INPUT_PIXELS) and a timeout.
 */
function input(data: Buffer): Sharp {
  return sharp(data, { limitInputPixels: 100_000_000, failOn: 'truncated', autoOrient: true }).timeout({ seconds: 60 });
}

/**
 * src/imaging/steps/encode.ts: JPEG is flattened onto white and written baseline with mozjpeg's trellis
 * quantisation, deringing and quantisation table (not `mozjpeg: true`, which also makes it progressive).
 */
function jpeg(image: Sharp, quality?: number): Promise<Buffer> {
  return image
    .flatten({ background: '#ffffff' })
    .jpeg({ quality, progressive: false, optimiseScans: false, trellisQuantisation: true, overshootDeringing: true, quantisationTable: 3 })
    .toBuffer();
}

export const WORKLOADS: Workload[] = [
  {
    name: 'thumbnail',
    summary: 'JPEG photos, resize inside 300x300, JPEG q80',
    photos,
    config: { id: 'thumbnail', resize: { width: 300, height: 300, maintainAspectRatio: true }, format: 'jpeg', exportOptions: { quality: 80 } },
    raw: (data) => jpeg(input(data).resize({ width: 300, height: 300, fit: 'inside' }), 80),
  },
  {
    name: 'web',
    summary: 'JPEG photos, resize to 1024 wide, WebP q80',
    photos,
    config: { id: 'web', resize: { width: 1024, maintainAspectRatio: true }, format: 'webp', exportOptions: { quality: 80 } },
    raw: (data) => input(data).resize({ width: 1024, fit: 'inside' }).webp({ quality: 80 }).toBuffer(),
  },
  {
    name: 'blur',
    summary: 'JPEG photos, gaussian blur sigma 5 at full size, JPEG default quality',
    photos,
    config: { id: 'blur', filter: { filterType: { case: 'gaussianBlur', value: { sigma: 5 } } }, format: 'jpeg' },
    raw: (data) => jpeg(input(data).blur(5)),
  },
  {
    name: 'big',
    summary: `${BIG_PHOTO} (18 MP, 16 MB), resize to 1920 wide, JPEG q80`,
    photos: (all) => all.filter((name) => name === BIG_PHOTO),
    config: { id: 'big', resize: { width: 1920, maintainAspectRatio: true }, format: 'jpeg', exportOptions: { quality: 80 } },
    raw: (data) => jpeg(input(data).resize({ width: 1920, fit: 'inside' }), 80),
  },
  {
    name: 'avif',
    summary: 'JPEG photos, resize to 800 wide, AVIF q50',
    photos,
    config: { id: 'avif', resize: { width: 800, maintainAspectRatio: true }, format: 'avif', exportOptions: { quality: 50 } },
    raw: (data) => input(data).resize({ width: 800, fit: 'inside' }).avif({ quality: 50 }).toBuffer(),
  },
];
