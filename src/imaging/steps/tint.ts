import type { PipelineStep } from '../image-processor.js';
import { canJoin, withSlot, type StepHandler } from './step.js';

type TintStep = Extract<PipelineStep, { op: 'tint' }>;

/**
 * sharp's tint keeps LAB lightness and takes the tint's chroma, but converts back to the colourspace it
 * was given: a greyscale pipeline would lose the colour again. So the pipeline works in sRGB from its
 * input, and a tint never joins one that has turned greyscale.
 */
export const tint: StepHandler<TintStep> = {
  needsSize: false,
  fits: (state) => canJoin(state.used, 'tint') && !state.used.has('greyscale'),
  apply(state, step) {
    state.image.pipelineColourspace('srgb').tint(step.color);
    return { ...state, used: withSlot(state.used, 'tint') };
  },
};
