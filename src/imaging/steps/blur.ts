import type { PipelineStep } from '../image-processor.js';
import { checkNumber } from './check.js';
import { sharpStep } from './step.js';

/** sharp's Gaussian blur (sigma checked here: sharp's message names it "options.sigma"). */
export const blur = sharpStep<Extract<PipelineStep, { op: 'blur' }>>('blur', (image, step, field) =>
  image.blur(checkNumber(step.sigma, `${field}.sigma`, 0.3, 1000)),
);
