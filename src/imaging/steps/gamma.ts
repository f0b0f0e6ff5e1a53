import type { PipelineStep } from '../image-processor.js';
import { checkNumberInRange } from '../../validation/check.js';
import { sharpStep } from './step.js';

/**
 * sharp's gamma(in, out) encodes with `in` before resizing and decodes with `out` after sharpening (for
 * resizing in linear light). With in = 1 only the decoding is left, out = in ^ (1 / gamma): a gamma
 * correction that brightens midtones and keeps black and white.
 */
export const gamma = sharpStep<Extract<PipelineStep, { op: 'gamma' }>>('gammaOut', (image, step, field) =>
  image.gamma(1, checkNumberInRange(`${field}.gamma`, step.gamma, 1, 3)),
);
