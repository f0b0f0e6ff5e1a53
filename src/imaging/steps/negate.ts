import type { PipelineStep } from '../image-processor.js';
import { sharpStep } from './step.js';

/** 255 - value on the colour channels; sharp runs it last of all, and leaves alpha alone when told. */
export const negate = sharpStep<Extract<PipelineStep, { op: 'negate' }>>('negate', (image) => image.negate({ alpha: false }));
