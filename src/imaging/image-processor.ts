import type { ComputationName, ComputationParams, ComputationResult } from './computation-types.js';
import type { ExportFormat, InputFormat, OutputFormat } from './image-formats.js';
/**
 * The image work the core can ask for, by interface. The implementation (worker-pool.ts) runs every
 * sharp pipeline in a piscina worker; the core never imports sharp.
 */

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
  /** SVG: the sanitised document (see sanitize-svg.ts), which is what may be stored, never the bytes given. */
  sanitized?: Uint8Array;
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
  /**
   * Flatten transparency onto this colour, "#rrggbb". Formats without alpha (jpeg, tiff with jpeg
   * compression) are always flattened, onto white when this is unset; the others only when it is set.
   */
  background?: string;
  /** Keep EXIF and ICC from the input. Without it all metadata is stripped. */
  keepMetadata?: boolean;
  /** XMP packet to write. Written when given, with or without keepMetadata (the caller asked for it). */
  xmp?: string;
  /** Search the highest quality whose output fits (lossy formats). */
  maxBytes?: number;
  /** The request field these options came from, named in errors. Default "export_options". */
  field?: string;
}

/**
 * SVG output: a colour vector trace of the pipeline's result (imagetracerjs, on a downscaled copy), or
 * the raster embedded as a PNG `<image>` when asked, when tracing fails or when the trace is too big.
 */
export interface SvgOptions {
  format: 'svg';
  /** Colours to trace, 2-64. */
  colors: number;
  /** Largest traced SVG, in bytes, before falling back to the embedded raster. */
  maxSvgBytes: number;
  /** Skip tracing: always embed the raster. */
  embedRaster: boolean;
  /** Flatten transparency onto this colour ("#rrggbb") first. */
  background?: string;
  field?: string;
}

/** What a pipeline or composite can be encoded as. */
export type OutputOptions = EncodeOptions | SvgOptions;

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
  // Filters and colour transformations (steps/<op>.ts; api/translate/filter-steps.ts and
  // color-transformation-steps.ts build them from the proto messages). sharp operations first:
  /** Gaussian blur, sigma 0.3 to 1000. */
  | { op: 'blur'; sigma: number }
  /** sharp's sharpen of L in LAB; no sigma is its fast mild 3x3 sharpen. */
  | { op: 'sharpen'; sigma?: number; m1?: number; m2?: number }
  /** Odd window 3 to 15 (sharp takes more). */
  | { op: 'median'; size: number }
  /** out = matrix x (r, g, b), a 3x3 in rows; alpha kept. */
  | { op: 'recomb'; matrix: number[][] }
  /** In LCh: brightness and saturation multiply L and C (1 = unchanged), hue adds degrees (rounded). */
  | { op: 'modulate'; brightness?: number; saturation?: number; hue?: number }
  /** out = a * in + b on the colour channels: one value for all, or one per channel (r, g, b). */
  | { op: 'linear'; a: number[]; b: number[] }
  /** out = 255 * (in / 255) ^ (1 / gamma), gamma 1 to 3: brightens midtones, keeps 0 and 255. */
  | { op: 'gamma'; gamma: number }
  /** 255 - value on the colour channels; alpha kept. */
  | { op: 'negate' }
  /** Keeps each pixel's LAB lightness and takes the chroma of `color` ("#rrggbb"). */
  | { op: 'tint'; color: string }
  /** Stretches L so the `lower` percentile becomes black and the `upper` one white. */
  | { op: 'normalise'; lower: number; upper: number }
  // Steps on rendered pixels (sharp has no such operation, or its own would touch alpha):
  /** Classic unsharp mask: where |in - blur(radius)| >= threshold, out = in + amount * (in - blur). */
  | { op: 'unsharpMask'; radius: number; amount: number; threshold: number }
  /** CLAHE on Rec.709 luma (regions width x height, maxSlope 0 = plain AHE); the change is added to r, g and b. */
  | { op: 'clahe'; width: number; height: number; maxSlope: number }
  /** Convolution of the colour channels (kernel in rows, width x height, odd sides); alpha kept. */
  | { op: 'convolve'; width: number; height: number; kernel: number[]; scale?: number; offset?: number }
  /** Darkens towards the corners: 0 up to `radius` (fraction of the half-diagonal), `strength` (0-1) at the corners. */
  | { op: 'vignette'; strength: number; radius: number }
  /** Blocks of blockSize x blockSize pixels take their mean colour (weighted by alpha); alpha kept. */
  | { op: 'pixelate'; blockSize: number }
  /** At most `levels` (2-256) evenly spaced values per colour channel. */
  | { op: 'posterize'; levels: number }
  /** 255 where Rec.709 luma (or each channel, perChannel) >= level, else 0. */
  | { op: 'threshold'; level: number; perChannel: boolean }
  /** Luma mapped onto the gradient shadow -> highlight ("#rrggbb"). */
  | { op: 'duotone'; shadow: string; highlight: string }
  /** Input black and white points (0-255), then out = t ^ (1 / gamma) over that range. */
  | { op: 'levels'; blackPoint: number; whitePoint: number; gamma: number }
  /**
   * A 3D lookup table with trilinear interpolation: `table` holds size^3 RGB triples, red varying fastest,
   * then green, then blue; inputs are scaled from [domainMin, domainMax] per channel.
   */
  | { op: 'lut3d'; size: number; table: Float32Array; domainMin: [number, number, number]; domainMax: [number, number, number] }
  /** The same from a `.cube` file's text, parsed in the worker before the image is decoded (steps/lut3d.ts). */
  | { op: 'lut3d'; cube: string }
  /**
   * Palette recolouring (src/color/recolor.ts): the image's own palette, matched to `colors` ("#rrggbb",
   * 1-16), moved there by an RBF colour transfer applied through a lut3d table; strength 0-1 (0 leaves
   * the pixels as they are); alpha kept.
   */
  | { op: 'recolor'; colors: string[]; strength: number }
  // Later steps extend this union (composites are ImageProcessor.composite, not a step).
) & { field?: string };

export interface PipelineSpec {
  steps: PipelineStep[];
  /** Apply the EXIF orientation before the steps. Default true; false keeps the stored pixel order. */
  autoOrient?: boolean;
  /** undefined keeps the input's format when it is an output format, else png. */
  output?: OutputOptions;
}

export interface EncodedImage {
  data: Buffer;
  format: ExportFormat;
  contentType: string;
  width: number;
  height: number;
  /** The quality used (after a maxBytes search), when lossy. */
  quality?: number;
  /** svg: true for a vector trace, false when the raster was embedded. */
  vectorTraced?: boolean;
  /** svg: why the raster was embedded instead of a trace, when it was. */
  note?: string;
}

/** sharp's composite blend modes, as CompositeLayer.blend_mode offers them. */
export type BlendMode =
  | 'over'
  | 'multiply'
  | 'screen'
  | 'overlay'
  | 'darken'
  | 'lighten'
  | 'colour-dodge'
  | 'colour-burn'
  | 'hard-light'
  | 'soft-light'
  | 'difference'
  | 'exclusion'
  | 'add'
  | 'saturate';

export type Anchor = 'centre' | 'north' | 'northeast' | 'east' | 'southeast' | 'south' | 'southwest' | 'west' | 'northwest';

/**
 * One layer of a composite. In order: oriented, resized into `box` (fit inside), rotated about its
 * centre (corners transparent), faded by `opacity`, placed and clipped to the canvas. The placement is
 * that of the unrotated layer: rotation turns it in place.
 */
export interface CompositeLayer {
  /** Encoded image bytes (stored images are read by the core first). Copied to the worker. */
  input: Uint8Array;
  /** Top-left corner on the canvas (may be negative or past the edge), or an anchor on it. */
  position: { left: number; top: number } | { anchor: Anchor };
  /** Resize into this box first (fit inside); a missing side follows the aspect ratio. */
  box?: { width?: number; height?: number };
  /** 0-1. */
  opacity: number;
  blend: BlendMode;
  /** Degrees clockwise. */
  rotation: number;
  /** The request field of the layer, named in errors. Default `layers[<index>]`. */
  field?: string;
}

export interface CompositeSpec {
  width: number;
  height: number;
  /** "#rrggbb" or "#rrggbbaa"; undefined is transparent. */
  background?: string;
  /** Drawn in order, the first at the bottom. */
  layers: CompositeLayer[];
  output: OutputOptions;
}

export interface RunOptions {
  /** Aborts queued work and makes the call reject with AppError 'cancelled' / 'deadline_exceeded'. */
  signal?: AbortSignal;
  /** Epoch ms by which the result is needed (the client's deadline); capped by the configured ceiling. */
  deadline?: number;
  /** The request field the input bytes came from, named in errors. Default "image" (probe takes it as an argument). */
  field?: string;
  /**
   * The caller gives the input's memory up: when the operation starts it is moved to the worker rather
   * than copied, and the caller's view reads as empty from then on. For bytes nobody else holds, such as
   * the one image field of a decoded request that is not read again. Taken only when the bytes fill their
   * ArrayBuffer (give or take 64 KiB) and are large enough for the copy to matter; otherwise copied.
   */
  giveInput?: boolean;
  /**
   * The input is an SVG this service wrote itself (the procedural generator's scene, which holds shapes
   * and colours, never request text): it skips the sanitiser every other SVG goes through, and with it
   * the second or more a worker thread takes to load one. Never for bytes a caller sent.
   */
  ownSvg?: boolean;
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
  /**
   * Draws layers over a canvas, all in one worker task. Each layer is checked against the pixel limit
   * from its header before it is decoded; errors name the layer's field (`layers[<index>]`).
   */
  composite(spec: CompositeSpec, options?: RunOptions): Promise<EncodedImage>;
  /** Runs a named computation (imaging/computation-types.ts) on the image in a worker; returns its data. */
  compute<K extends ComputationName>(input: Uint8Array, kind: K, params: ComputationParams<K>, options?: RunOptions): Promise<ComputationResult<K>>;
  close(): Promise<void>;
}
