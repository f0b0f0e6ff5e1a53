import type { Sharp } from 'sharp';
import type { PipelineStep } from '../image-processor.js';
import type { RawPixels } from './raw-pixels.js';

/**
 * sharp runs the operations of one pipeline in a fixed order whatever order they were called in, and a
 * second call of one replaces the first. This is that order, as src/pipeline.cc of sharp 0.34.5 runs it
 * (the operations a step uses or may come to use; trim, rotate, affine, extend, dilate/erode, boolean
 * and the like sit between these and are not used). A step names the one operation it calls (its
 * slot); it can join a pipeline only while every operation already in it runs earlier (canJoin).
 */
export const OPERATION_ORDER = [
  /** extract() before any resize or extract: sharp's "pre" extraction. */
  'extractBeforeResize',
  'flatten',
  'greyscale',
  /** resize(), with its crop or embed for the fit. */
  'resize',
  /** extract() once a resize or an extract is set: sharp's "post" extraction. */
  'extractAfterResize',
  'median',
  'threshold',
  'blur',
  'convolve',
  'recomb',
  'modulate',
  'sharpen',
  'composite',
  /** gamma(1, g): the decoding (brightening) stage of sharp's gamma; gamma(g) would also take a stage before resize. */
  'gammaOut',
  'linear',
  'normalise',
  'clahe',
  'tint',
  /** Last of all, after the output colourspace conversion. */
  'negate',
] as const;

export type Slot = (typeof OPERATION_ORDER)[number];

const RANK: ReadonlyMap<Slot, number> = new Map(OPERATION_ORDER.map((slot, rank) => [slot, rank]));

/**
 * libvips leaves the pixels in float after these (sharp's fast sharpen is a convolution; sharpen is
 * counted whatever its sigma, to stay on the safe side)...
 */
const FLOAT_OUTPUT: ReadonlySet<Slot> = new Set<Slot>(['convolve', 'recomb', 'sharpen']);
/** ...and these misread float input: gamma and invert take it as 0-1, CLAHE refuses anything but 8 bits. */
const UCHAR_INPUT: ReadonlySet<Slot> = new Set<Slot>(['gammaOut', 'clahe', 'negate']);

/**
 * Whether sharp would run `slot` after everything already in the pipeline, and on pixels it reads right.
 * A step that cannot join makes apply-steps render the pipeline so far and continue on its pixels.
 */
export function canJoin(used: ReadonlySet<Slot>, slot: Slot): boolean {
  const rank = RANK.get(slot)!;
  for (const other of used) {
    if (RANK.get(other)! >= rank) return false;
    if (UCHAR_INPUT.has(slot) && FLOAT_OUTPUT.has(other)) return false;
  }
  return true;
}

/**
 * Operations that give the same pixels whether sharp's early flatten runs before or after them: cropping,
 * and the linear filters sharp applies to premultiplied pixels. After any other, flattening (jpeg output)
 * needs the pipeline rendered first (see apply-steps' settleBeforeFlatten).
 */
const COMMUTES_WITH_FLATTEN: ReadonlySet<Slot> = new Set<Slot>(['extractBeforeResize', 'resize', 'extractAfterResize', 'blur']);

export function flattenFits(used: ReadonlySet<Slot>): boolean {
  for (const other of used) if (!COMMUTES_WITH_FLATTEN.has(other)) return false;
  return true;
}

export interface StepState {
  image: Sharp;
  /** The current size, when known exactly; unknown after a resize whose result only sharp can tell. */
  size: { width: number; height: number } | undefined;
  used: ReadonlySet<Slot>;
  /** Whether the pixels may have an alpha channel. A step that adds one (compositing) sets it. */
  hasAlpha: boolean;
  /**
   * The pixels `image` was made from, while no operation has been added to it: a raw step right after
   * another (or after a restart) works on them without rendering again. apply-steps keeps it current.
   */
  pixels?: RawPixels;
  maxOutputDimension: number;
  /** Epoch ms: a pipeline restarted mid-list gets the time that is left as its sharp timeout. */
  deadline: number;
}

/**
 * One kind of step that adds a sharp operation to the pipeline. Adding a step: a file exporting one of
 * these (or a RawStepHandler), a union member, a line in apply-steps.
 */
export interface StepHandler<S extends PipelineStep> {
  /** Whether the step needs the exact current size (an unknown size then restarts the pipeline). */
  readonly needsSize: boolean;
  /** Whether sharp can still place the step in the current pipeline. */
  fits(state: StepState, step: S): boolean;
  /** Adds the step to the pipeline. Throws an AppError naming `field` for a step this image cannot take. */
  apply(state: StepState, step: S, field: string): StepState;
}

/**
 * A step sharp has no operation for: it transforms rendered 8-bit RGB(A) pixels (alpha untouched unless
 * it says otherwise), and the pipeline continues from what it returns. It may modify `pixels` in place.
 */
export interface RawStepHandler<S extends PipelineStep> {
  readonly raw: true;
  apply(pixels: RawPixels, step: S, field: string, deadline: number): RawPixels | Promise<RawPixels>;
}

export type AnyStepHandler<S extends PipelineStep> = StepHandler<S> | RawStepHandler<S>;

export function withSlot(used: ReadonlySet<Slot>, slot: Slot): ReadonlySet<Slot> {
  return new Set([...used, slot]);
}

/** The usual StepHandler for a step that is one sharp operation in one slot, with no size to know. */
export function sharpStep<S extends PipelineStep>(slot: Slot, add: (image: Sharp, step: S, field: string) => void): StepHandler<S> {
  return {
    needsSize: false,
    fits: (state) => canJoin(state.used, slot),
    apply(state, step, field) {
      add(state.image, step, field);
      return { ...state, used: withSlot(state.used, slot) };
    },
  };
}
