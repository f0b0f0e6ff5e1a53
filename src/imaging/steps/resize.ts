import { invalidArgument } from '../../errors/index.js';
import type { PipelineStep } from '../image-processor.js';
import { checkIntInRange } from '../../validation/check.js';
import { canJoin, withSlot, type StepHandler } from './step.js';

type ResizeStep = Extract<PipelineStep, { op: 'resize' }>;

export const resize: StepHandler<ResizeStep> = {
  needsSize: false,
  fits: (state) => canJoin(state.used, 'resize'),
  apply(state, step, field) {
    const width = step.width === undefined ? undefined : checkIntInRange(`${field}.width`, step.width, 1, state.maxOutputDimension);
    const height = step.height === undefined ? undefined : checkIntInRange(`${field}.height`, step.height, 1, state.maxOutputDimension);
    if (width === undefined && height === undefined) {
      throw invalidArgument(field, 'a width, a height or both', step);
    }
    state.image.resize({
      width,
      height,
      fit: step.fit,
      position: step.position,
      background: step.background,
      withoutEnlargement: step.withoutEnlargement,
    });
    return { ...state, size: resizedSize(step), used: withSlot(state.used, 'resize') };
  },
};

/**
 * The result size when it is the box itself. Otherwise (one side derived from the aspect ratio, inside,
 * outside, withoutEnlargement) sharp's own rounding decides, and a later step that needs the size gets
 * it by restarting the pipeline rather than from a guess that may be a pixel off.
 */
function resizedSize(step: ResizeStep): { width: number; height: number } | undefined {
  const exact = step.fit === 'fill' || step.fit === 'cover' || step.fit === 'contain';
  if (!exact || step.withoutEnlargement || step.width === undefined || step.height === undefined) return undefined;
  return { width: step.width, height: step.height };
}
