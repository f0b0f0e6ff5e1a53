import type { Matrix3x3 } from 'sharp';
import { invalidArgument } from '../../errors/index.js';
import type { PipelineStep } from '../image-processor.js';
import { sharpStep } from './step.js';

/**
 * sharp's recomb: each output channel a weighted sum of r, g and b (converted to sRGB first, so a
 * greyscale input works too); alpha kept. The result stays in float until the pipeline ends, which
 * step.ts' canJoin accounts for.
 */
export const recomb = sharpStep<Extract<PipelineStep, { op: 'recomb' }>>('recomb', (image, step, field) => {
  const { matrix } = step;
  if (matrix.length !== 3 || !matrix.every((row) => row.length === 3 && row.every(Number.isFinite))) {
    throw invalidArgument(`${field}.matrix`, 'a 3x3 matrix of finite numbers', matrix);
  }
  image.recomb(matrix as Matrix3x3);
});
