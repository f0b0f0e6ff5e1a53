import type { PipelineStep } from '../image-processor.js';
import type { StepHandler } from './step.js';

type AutoOrientStep = Extract<PipelineStep, { op: 'autoOrient' }>;

/**
 * Orientation is applied by sharp as it reads the input (the `autoOrient` input option), so wherever the
 * step appears in the list it takes effect first: run-pipeline turns it on when any step asks for it,
 * and sizes for later steps are the oriented ones from the start. Nothing is left to do here.
 */
export const autoOrient: StepHandler<AutoOrientStep> = {
  needsSize: false,
  fits: () => true,
  apply: (state) => state,
};
