import { invalidArgument } from '../../errors/index.js';
import type { PipelineStep } from '../image-processor.js';
import { sharpStep } from './step.js';

/** A median of size x size pixels; the size is odd so that the window has a centre. */
export const median = sharpStep<Extract<PipelineStep, { op: 'median' }>>('median', (image, step, field) => {
  if (!Number.isInteger(step.size) || step.size < 3 || step.size > 99 || step.size % 2 === 0) {
    throw invalidArgument(`${field}.size`, 'an odd integer from 3 to 99', step.size);
  }
  image.median(step.size);
});
