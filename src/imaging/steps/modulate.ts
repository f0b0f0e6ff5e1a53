import type { PipelineStep } from '../image-processor.js';
import { sharpStep } from './step.js';

/** sharp's modulate, in LCh. sharp takes whole degrees of hue. */
export const modulate = sharpStep<Extract<PipelineStep, { op: 'modulate' }>>('modulate', (image, step) =>
  image.modulate({
    ...(step.brightness !== undefined ? { brightness: step.brightness } : {}),
    ...(step.saturation !== undefined ? { saturation: step.saturation } : {}),
    ...(step.hue !== undefined ? { hue: Math.round(step.hue) } : {}),
  }),
);
