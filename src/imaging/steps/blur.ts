import type { PipelineStep } from '../image-processor.js';
import { checkNumberInRange } from '../../validation/check.js';
import { sharpStep } from './step.js';

/** sharp's Gaussian blur (sigma checked here: sharp's message names it "options.sigma"). */
export const blur = sharpStep<Extract<PipelineStep, { op: 'blur' }>>('blur', (image, step, field) =>
  image.blur(checkNumberInRange(`${field}.sigma`, step.sigma, 0.3, 1000)),
);
