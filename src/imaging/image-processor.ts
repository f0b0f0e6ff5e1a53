/**
 * The image work the core can ask for, by interface. The implementation (worker-pool.ts) runs every
 * sharp pipeline in a piscina worker; the core never imports sharp.
 */

/** Formats the service encodes. */
export type OutputFormat = 'png' | 'jpeg' | 'webp' | 'avif' | 'tiff' | 'gif';

/** Formats the service accepts as input (sniffed from the bytes). */
export type InputFormat = OutputFormat | 'heif' | 'svg' | 'bmp' | 'jxl';

export interface ProbeResult {
  format: InputFormat;
  contentType: string;
  /** Size as displayed, after the EXIF orientation; one frame of an animation. */
  width: number;
  height: number;
  /** Frames for animated formats, 1 otherwise. */
  pages: number;
  hasAlpha: boolean;
  /** EXIF orientation 1-8 when present. */
  orientation?: number;
  channels: number;
  space: string;
  hasIcc: boolean;
  hasExif: boolean;
}

export interface EncodeOptions {
  format: OutputFormat;
  /** 1-100; undefined uses the format's default. */
  quality?: number;
  lossless?: boolean;
  progressive?: boolean;
  effort?: number;
  chromaSubsampling?: '4:2:0' | '4:4:4';
  palette?: boolean;
  colors?: number;
  /** Flatten onto this colour for formats without alpha. "#rrggbb". */
  background?: string;
  /** Keep EXIF and ICC from the input. Without it all metadata is stripped. */
  keepMetadata?: boolean;
  /** XMP packet to write. Written when given, with or without keepMetadata (the caller asked for it). */
  xmp?: string;
  /** Search the highest quality whose output fits (lossy formats). */
  maxBytes?: number;
}

/**
 * One step of a pipeline; every step of a task runs in one sharp pipeline inside one worker task. Each
 * kind has one handler file under steps/ (see steps/apply-steps.ts). `field` names the request field in
 * error messages (default `steps[<index>]`).
 */
export type PipelineStep = (
  | { op: 'resize'; width?: number; height?: number; fit: 'inside' | 'cover' | 'contain' | 'fill' | 'outside'; position?: string; background?: string; withoutEnlargement?: boolean }
  /** In the oriented frame (after EXIF orientation), like the sizes ProbeResult reports. */
  | { op: 'crop'; left: number; top: number; width: number; height: number }
  /** Applied as the input is read, wherever it appears in the list (see spec.autoOrient). */
  | { op: 'autoOrient' }
  // Later steps (filters, colour transformations, composites, palette recolouring) extend this union.
) & { field?: string };

export interface PipelineSpec {
  steps: PipelineStep[];
  /** Apply the EXIF orientation before the steps. Default true; false keeps the stored pixel order. */
  autoOrient?: boolean;
  /** undefined keeps the input's format when it is an output format, else png. */
  output?: EncodeOptions;
}

export interface EncodedImage {
  data: Buffer;
  format: OutputFormat;
  contentType: string;
  width: number;
  height: number;
  /** The quality used (after a maxBytes search), when lossy. */
  quality?: number;
}

export interface RunOptions {
  /** Aborts queued work and makes the call reject with AppError 'cancelled' / 'deadline_exceeded'. */
  signal?: AbortSignal;
  /** Epoch ms by which the result is needed (the client's deadline); capped by the configured ceiling. */
  deadline?: number;
  /** The request field the input bytes came from, named in errors. Default "image" (probe takes it as an argument). */
  field?: string;
}

export interface ImageProcessor {
  /**
   * Validates input bytes and reads what they are: sniffed format, size, pixel limit, and a full decode
   * (so truncated or corrupt data is rejected here, before anything is stored).
   * Errors: invalid_image (field names `field`), resource_exhausted over the pixel limit.
   */
  probe(input: Uint8Array, field: string, options?: RunOptions): Promise<ProbeResult>;
  /** Runs a pipeline. The input buffer is copied; callers keep theirs. */
  run(input: Uint8Array, spec: PipelineSpec, options?: RunOptions): Promise<EncodedImage>;
  close(): Promise<void>;
}

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
