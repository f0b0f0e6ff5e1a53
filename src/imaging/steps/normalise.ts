import type { PipelineStep } from '../image-processor.js';
import { sharpStep } from './step.js';

/** sharp's normalise: stretches LAB lightness between two percentiles, keeping chroma and alpha. */
export const normalise = sharpStep<Extract<PipelineStep, { op: 'normalise' }>>('normalise', (image, step) =>
  image.normalise({ lower: step.lower, upper: step.upper }),
);
