import type { PipelineStep } from '../image-processor.js';
import { checkIntInRange } from '../../validation/check.js';
import { LUMA_B, LUMA_G, LUMA_R, mapColour } from './raw-pixels.js';
import type { RawStepHandler } from './step.js';

type ThresholdStep = Extract<PipelineStep, { op: 'threshold' }>;

/**
 * Black and white: 255 where the Rec.709 luma (or, perChannel, each channel) is at least `level`, else
 * 0. sharp's threshold would threshold alpha as well.
 */
export const threshold: RawStepHandler<ThresholdStep> = {
  raw: true,
  apply(pixels, step, field) {
    const level = checkIntInRange(`${field}.level`, step.level, 0, 255);
    if (step.perChannel) {
      const table = new Uint8Array(256);
      table.fill(255, level);
      return mapColour(pixels, table);
    }
    const { data, channels } = pixels;
    // Integer luma times 10000: grey v gives exactly v * 10000.
    const limit = level * 10000;
    for (let i = 0; i < data.length; i += channels) {
      const v = LUMA_R * data[i] + LUMA_G * data[i + 1] + LUMA_B * data[i + 2] >= limit ? 255 : 0;
      data[i] = v;
      data[i + 1] = v;
      data[i + 2] = v;
    }
    return pixels;
  },
};
