import { invalidArgument } from '../../errors/index.js';
import type { PipelineStep } from '../image-processor.js';
import { checkInteger, checkNumber } from './check.js';
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
    const black = checkInteger(step.blackPoint, `${field}.black_point`, 0, 254);
    const white = checkInteger(step.whitePoint, `${field}.white_point`, 1, 255);
    if (white <= black) throw invalidArgument(`${field}.white_point`, `a white point above the black point (${black})`, white);
    const exponent = 1 / checkNumber(step.gamma, `${field}.gamma`, 0.1, 10);
    const table = new Uint8Array(256);
    for (let v = 0; v < 256; v++) {
      const t = Math.min(1, Math.max(0, (v - black) / (white - black)));
      table[v] = Math.round(255 * t ** exponent);
    }
    return mapColour(pixels, table);
  },
};
