import type { PipelineStep } from '../image-processor.js';
import { checkIntInRange } from '../../validation/check.js';
import { mapColour } from './raw-pixels.js';
import type { RawStepHandler } from './step.js';

type PosterizeStep = Extract<PipelineStep, { op: 'posterize' }>;

/** Each colour channel rounded to the nearest of `levels` evenly spaced values from 0 to 255. */
export const posterize: RawStepHandler<PosterizeStep> = {
  raw: true,
  apply(pixels, step, field) {
    const levels = checkIntInRange(`${field}.levels`, step.levels, 2, 256);
    const steps = levels - 1;
    const table = new Uint8Array(256);
    for (let v = 0; v < 256; v++) table[v] = Math.round((Math.round((v * steps) / 255) * 255) / steps);
    return mapColour(pixels, table);
  },
};
