import type { PipelineStep } from '../image-processor.js';
import { checkNumberInRange } from '../../validation/check.js';
import { sharpStep } from './step.js';

/**
 * sharp's sharpen: with a sigma, of L in LAB with flat (m1) and jagged (m2) amounts (sharp's defaults
 * 1 and 2 when absent); without, a mild 3x3 kernel. Checked here because sharp names these parameters
 * "options.sigma", which its message format cannot carry to the caller's field.
 */
export const sharpen = sharpStep<Extract<PipelineStep, { op: 'sharpen' }>>('sharpen', (image, step, field) => {
  if (step.sigma === undefined) {
    image.sharpen();
    return;
  }
  image.sharpen({
    sigma: checkNumberInRange(`${field}.sigma`, step.sigma, 0.000001, 10),
    ...(step.m1 !== undefined ? { m1: checkNumberInRange(`${field}.m1`, step.m1, 0, 1_000_000) } : {}),
    ...(step.m2 !== undefined ? { m2: checkNumberInRange(`${field}.m2`, step.m2, 0, 1_000_000) } : {}),
  });
});
