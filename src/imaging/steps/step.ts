import type { Sharp } from 'sharp';
import type { PipelineStep } from '../image-processor.js';

/**
 * sharp runs the operations of one pipeline in a fixed order whatever order they were called in, with
 * one of each: extract, resize, extract again. A step says which slot it takes so apply-steps can tell
 * when the list asks for an order one pipeline cannot give.
 */
export type Slot = 'extractBeforeResize' | 'resize' | 'extractAfterResize';

export interface StepState {
  image: Sharp;
  /** The current size, when known exactly; unknown after a resize whose result only sharp can tell. */
  size: { width: number; height: number } | undefined;
  used: ReadonlySet<Slot>;
  maxOutputDimension: number;
  /** Epoch ms: a pipeline restarted mid-list gets the time that is left as its sharp timeout. */
  deadline: number;
}

/** One kind of step. Adding a step: a file exporting one of these, a union member, a line in apply-steps. */
export interface StepHandler<S extends PipelineStep> {
  /** Whether the step needs the exact current size (an unknown size then restarts the pipeline). */
  readonly needsSize: boolean;
  /** Whether sharp can still place the step in the current pipeline. */
  fits(state: StepState, step: S): boolean;
  /** Adds the step to the pipeline. Throws an AppError naming `field` for a step this image cannot take. */
  apply(state: StepState, step: S, field: string): StepState;
}

export function withSlot(used: ReadonlySet<Slot>, slot: Slot): ReadonlySet<Slot> {
  return new Set([...used, slot]);
}
