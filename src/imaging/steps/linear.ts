import type { PipelineStep } from '../image-processor.js';
import { sharpStep } from './step.js';

/**
 * sharp's linear (a * in + b, clamped to 8 bits), on the colour channels. libvips truncates the result,
 * so 0.5 is added to b to round it. Per-channel values need three channels, so the pipeline then works
 * in sRGB from its input (a greyscale input has one).
 */
export const linear = sharpStep<Extract<PipelineStep, { op: 'linear' }>>('linear', (image, step) => {
  if (step.a.length > 1) image.pipelineColourspace('srgb');
  image.linear(step.a, step.b.map((b) => b + 0.5));
});
