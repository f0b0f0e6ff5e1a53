import { invalidArgument } from '../../errors/index.js';
import type { PipelineStep } from '../image-processor.js';
import { checkIntInRange } from '../../validation/check.js';
import { withSharpOnColour } from './raw-pixels.js';
import type { RawStepHandler } from './step.js';

type ConvolveStep = Extract<PipelineStep, { op: 'convolve' }>;

/**
 * sharp's convolution, on the colour channels only. In a pipeline sharp convolves alpha too: an edge
 * kernel (summing to 0) would make an opaque image transparent.
 */
export const convolve: RawStepHandler<ConvolveStep> = {
  raw: true,
  apply(pixels, step, field, deadline) {
    const width = checkIntInRange(`${field}.width`, step.width, 3, 1001);
    const height = checkIntInRange(`${field}.height`, step.height, 3, 1001);
    if (width % 2 === 0 || height % 2 === 0) throw invalidArgument(field, 'a kernel with odd sides', `${width}x${height}`);
    if (step.kernel.length !== width * height || !step.kernel.every(Number.isFinite)) {
      throw invalidArgument(`${field}.kernel`, `${width * height} finite numbers`, `${step.kernel.length} values`);
    }
    return withSharpOnColour(pixels, deadline, (image) =>
      image.convolve({ width, height, kernel: step.kernel, scale: step.scale ?? 1, offset: step.offset ?? 0 }),
    );
  },
};
