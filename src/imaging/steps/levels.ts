import { invalidArgument } from '../../errors/index.js';
import type { PipelineStep } from '../image-processor.js';
import { checkIntInRange, checkNumberInRange } from '../../validation/check.js';
import { mapColour } from './raw-pixels.js';
import type { RawStepHandler } from './step.js';

type LevelsStep = Extract<PipelineStep, { op: 'levels' }>;

/**
 * Input levels: values at or below the black point become 0, at or above the white point 255, and in
 * between t = (v - black) / (white - black) becomes 255 * t ^ (1 / gamma) (gamma above 1 lightens the
 * midtones). One table for all colour channels; alpha kept.
 */
export const levels: RawStepHandler<LevelsStep> = {
  raw: true,
  apply(pixels, step, field) {
    const black = checkIntInRange(`${field}.black_point`, step.blackPoint, 0, 254);
    const white = checkIntInRange(`${field}.white_point`, step.whitePoint, 1, 255);
    if (white <= black) throw invalidArgument(`${field}.white_point`, `a white point above the black point (${black})`, white);
    const exponent = 1 / checkNumberInRange(`${field}.gamma`, step.gamma, 0.1, 10);
    const table = new Uint8Array(256);
    for (let v = 0; v < 256; v++) {
      const t = Math.min(1, Math.max(0, (v - black) / (white - black)));
      table[v] = Math.round(255 * t ** exponent);
    }
    return mapColour(pixels, table);
  },
};
